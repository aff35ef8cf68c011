"""Every explorer of the book, rendered at the corners of its grid.

Each module in dlcore.explorers defines factories named make_explorer / make_*_explorer; each
returns a dlcore.widgets.Explorer. Extreme settings must draw a figure (a picture of what
happened or a message), never raise, and moving a slider across its range must change the
picture. (The size of each static explorer is checked on the notebooks' stored outputs, in
test_book_structure.py.)
"""

import importlib
import pkgutil

import matplotlib.pyplot as plt
import pytest
from matplotlib.figure import Figure

import dlcore.explorers
from dlcore.widgets import Explorer, figure_to_png


def factories():
    found = []
    for info in pkgutil.iter_modules(dlcore.explorers.__path__):
        module = importlib.import_module(f"dlcore.explorers.{info.name}")
        for name in sorted(dir(module)):
            if name == "make_explorer" or (name.startswith("make_") and name.endswith("_explorer")):
                found.append(pytest.param(getattr(module, name), id=f"{info.name}.{name}"))
    return found


@pytest.mark.parametrize("factory", factories())
def test_explorer_corners_render_and_differ(factory):
    explorer = factory()
    assert isinstance(explorer, Explorer)
    frames = []
    for params in explorer.corner_points():
        fig = explorer.render(**params)
        assert isinstance(fig, Figure), f"render({params}) returned {type(fig).__name__}, not a Figure"
        assert fig.axes, f"render({params}) drew an empty figure"
        frames.append(figure_to_png(fig))
    plt.close("all")
    assert len(set(frames)) > 1 or explorer.num_frames == 1, "moving the sliders does not change the picture"
