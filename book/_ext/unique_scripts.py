"""Sphinx extension: drop repeated inline scripts from each page.

sphinx-thebe 0.3.1 registers its inline configuration script (`const THEBE_JS_URL = ...`) once
per read pass; a build that reads documents twice (bibliography resolution) puts it on every page
twice, which the browser reports as a JavaScript error. An inline script is identified by its body.
"""


def _drop_repeated_scripts(app, pagename, templatename, context, doctree):
    seen, unique = set(), []
    for script in context.get("script_files", []):
        key = script.attributes.get("body") or script.filename
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app):
    app.connect("html-page-context", _drop_repeated_scripts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
