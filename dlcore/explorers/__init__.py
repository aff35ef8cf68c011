"""The book's explorers, one module per chapter.

Every module here defines ``make_explorer(**options) -> dlcore.widgets.Explorer`` (and may
define more factories named ``make_*_explorer``). A chapter displays one with
``dlcore.explorers.<module>.make_explorer()``; ``tests/test_explorers.py`` finds every factory
in this package and renders each explorer at the corners of its grid.
"""
