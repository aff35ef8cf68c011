"""Explorers: one figure, a few sliders, and it works with or without a running kernel.

An explorer is a pure function ``render(**params) -> matplotlib.figure.Figure`` plus a grid of
values for each parameter. Displaying an :class:`Explorer` in a notebook produces one output
with two representations:

* live (Jupyter, Colab, Binder): ipywidgets sliders that re-render the figure on change;
* static (the online book, where no kernel runs): every frame of the grid pre-rendered to a
  small PNG, embedded with a few lines of plain JavaScript behind ``<input type="range">``
  sliders. No CDN and no network access are needed.

The book's HTML build drops the widget representation (``nb_mime_priority_overrides`` in
``_config.yml``), so readers online get the static one; a live frontend prefers the widget.

Each chapter's explorers live in :mod:`dlcore.explorers`, so the tests can render every one
of them at the corners of its grid.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import itertools
import json
from typing import Callable, Mapping, Sequence

import numpy as np

__all__ = ["Explorer", "figure_to_png", "message_figure", "blit_figure"]

MAX_FRAMES = 150            # a static explorer embeds every frame; keep pages small
STATIC_DPI = 72             # frames are small raster images; 72 dpi keeps each near 15 kB
_display_counter = itertools.count()


def figure_to_png(fig, dpi: int = STATIC_DPI, colors: int = 64) -> bytes:
    """Render a matplotlib figure to compact PNG bytes (palette-quantised) and close it."""
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    canvas = FigureCanvasAgg(fig)
    fig.set_dpi(dpi)
    canvas.draw()
    image = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba()).convert("RGB")
    plt.close(fig)
    out = io.BytesIO()
    image.quantize(colors=colors, method=Image.Quantize.MEDIANCUT).save(out, format="PNG", optimize=True)
    return out.getvalue()


def message_figure(text: str, figsize=(6.0, 3.5)):
    """A figure that only says ``text``: what a render function draws for a degenerate setting."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=figsize)
    ax.axis("off")
    ax.text(0.5, 0.5, text, ha="center", va="center", wrap=True, fontsize=12)
    return fig


def blit_figure(fig, background, artists):
    """Draw ``artists`` over a saved ``background`` of ``fig``; return the pixels as a new Figure.

    The fast path for explorers with many frames: draw the static part of a figure once and keep
    ``background = fig.canvas.copy_from_bbox(fig.bbox)``; each frame then draws only the artists
    that change. They are removed from ``fig`` again, so the next frame starts clean.
    """
    import matplotlib.pyplot as plt

    fig.canvas.restore_region(background)
    for artist in artists:
        fig.draw_artist(artist)
    image = np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()
    for artist in artists:
        artist.remove()
    out = plt.figure(figsize=fig.get_size_inches(), dpi=fig.dpi)
    ax = out.add_axes((0, 0, 1, 1))
    ax.imshow(image, interpolation="none")
    ax.axis("off")
    return out


def _label(value) -> str:
    if isinstance(value, (float, np.floating)):
        return f"{value:.3g}"
    return str(value)


class Explorer:
    """An interactive figure: ``render(**params)`` over a grid of parameter values.

    Args:
        render: function of keyword arguments returning a matplotlib Figure. It must not
            raise for any grid point: for a degenerate setting it draws a message instead.
        grid: parameter name -> sequence of values (numbers or strings), in slider order.
        initial: starting value per parameter (default: the middle of each grid).
        title: a line shown above the sliders.
        labels: parameter name -> slider label (default: the parameter name).

    Example:
        >>> Explorer(render_boundary, grid={"w1": np.linspace(-2, 2, 9), "b": [-1, 0, 1]})
    """

    def __init__(self, render: Callable, grid: Mapping[str, Sequence], *, initial: Mapping | None = None,
                 title: str = "", labels: Mapping[str, str] | None = None):
        if not callable(render):
            raise TypeError(f"render must be a function returning a Figure, got {type(render).__name__}")
        if not grid:
            raise ValueError("grid must name at least one parameter")
        self.render = render
        self.grid = {name: list(values) for name, values in grid.items()}
        for name, values in self.grid.items():
            if not values:
                raise ValueError(f"grid[{name!r}] is empty; give at least one value")
        if self.num_frames > MAX_FRAMES:
            raise ValueError(f"the grid has {self.num_frames} frames, more than {MAX_FRAMES}; "
                             "use fewer values per parameter so the static page stays small")
        self.title = title
        self.labels = {name: (labels or {}).get(name, name) for name in self.grid}
        self.initial = {}
        for name, values in self.grid.items():
            start = (initial or {}).get(name, values[len(values) // 2])
            if start not in values:
                raise ValueError(f"initial value {start!r} of {name!r} is not in its grid {values}")
            self.initial[name] = start
        self._frames: dict[tuple, bytes] = {}

    # ------------------------------------------------------------------ frames
    @property
    def num_frames(self) -> int:
        return int(np.prod([len(v) for v in self.grid.values()]))

    def grid_points(self):
        """Every parameter combination, in row-major order (the last parameter varies fastest)."""
        names = list(self.grid)
        for combo in itertools.product(*self.grid.values()):
            yield dict(zip(names, combo))

    def corner_points(self):
        """The combinations of each parameter's first and last value (what the tests render)."""
        names = list(self.grid)
        ends = [sorted({0, len(v) - 1}) for v in self.grid.values()]
        for combo in itertools.product(*ends):
            yield {name: self.grid[name][i] for name, i in zip(names, combo)}

    def frame(self, **params) -> bytes:
        """The PNG of one grid point, rendered once and then cached."""
        key = tuple(params[name] for name in self.grid)
        if key not in self._frames:
            self._frames[key] = figure_to_png(self.render(**params))
        return self._frames[key]

    # ------------------------------------------------------------------ static HTML
    def static_html(self) -> str:
        """Self-contained HTML: sliders, one <img> and every frame inlined (no network needed)."""
        digest = hashlib.sha1(repr((self.title, self.grid)).encode()).hexdigest()[:8]
        root_id = f"dlx-{digest}-{next(_display_counter)}"
        frames = [base64.b64encode(self.frame(**p)).decode("ascii") for p in self.grid_points()]
        data = {"sizes": [len(v) for v in self.grid.values()],
                "labels": [[_label(v) for v in values] for values in self.grid.values()],
                "frames": frames}
        data_json = json.dumps(data).replace("<", "\\u003c")
        rows = []
        for name, values in self.grid.items():
            start = values.index(self.initial[name])
            rows.append(
                f'<label class="dlx-row" style="display:flex;gap:.6em;align-items:center;margin:.2em 0">'
                f'<span style="min-width:9em">{html.escape(self.labels[name])}</span>'
                f'<input type="range" min="0" max="{len(values) - 1}" step="1" value="{start}" '
                f'data-param="{html.escape(name)}" aria-label="{html.escape(self.labels[name])}" style="flex:1">'
                f'<output style="min-width:4em">{html.escape(_label(self.initial[name]))}</output></label>')
        first = frames[self._flat_index(self.initial)]
        title = f'<div class="dlx-title" style="font-weight:600">{html.escape(self.title)}</div>' if self.title else ""
        return (
            f'<div class="dlcore-explorer" id="{root_id}" style="max-width:720px">{title}'
            f'<div class="dlx-controls">{"".join(rows)}</div>'
            f'<img class="dlx-frame" alt="{html.escape(self.title or "explorer figure")}" '
            f'style="max-width:100%" src="data:image/png;base64,{first}">'
            f'<script type="application/json" class="dlx-data">{data_json}</script>'
            f"<script>{_STATIC_JS.replace('ROOT_ID', root_id)}</script></div>")

    def _flat_index(self, params: Mapping) -> int:
        index = 0
        for name, values in self.grid.items():
            index = index * len(values) + values.index(params[name])
        return index

    # ------------------------------------------------------------------ live widget
    def widget(self):
        """An ipywidgets box with one slider per parameter and the figure as an Image widget."""
        import ipywidgets as w

        image = w.Image(value=self.frame(**self.initial), format="png")
        sliders = {
            name: w.SelectionSlider(options=[(_label(v), v) for v in values], value=self.initial[name],
                                    description=self.labels[name], continuous_update=False,
                                    style={"description_width": "initial"},
                                    layout=w.Layout(width="95%"))
            for name, values in self.grid.items()}

        def update(_change=None):
            image.value = self.frame(**{name: s.value for name, s in sliders.items()})

        for slider in sliders.values():
            slider.observe(update, names="value")
        header = [w.HTML(f"<b>{html.escape(self.title)}</b>")] if self.title else []
        return w.VBox(header + list(sliders.values()) + [image])

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = {"text/plain": f"<Explorer {self.title!r}: {self.num_frames} frames>"}
        live = self.widget()._repr_mimebundle_ if _in_kernel() else None
        if callable(live):   # ipywidgets sets it to None when no frontend can connect
            bundle.update(live())
        bundle["text/html"] = self.static_html()
        return bundle


def _in_kernel() -> bool:
    """True inside a Jupyter kernel with ipywidgets available (a live frontend can drive sliders)."""
    try:
        from IPython import get_ipython
        import ipywidgets  # noqa: F401
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


_STATIC_JS = """
(function () {
  var root = document.getElementById("ROOT_ID");
  var data = JSON.parse(root.querySelector(".dlx-data").textContent);
  var inputs = root.querySelectorAll("input[type=range]");
  var img = root.querySelector(".dlx-frame");
  function show() {
    var index = 0;
    inputs.forEach(function (input, k) {
      var i = parseInt(input.value, 10);
      index = index * data.sizes[k] + i;
      input.nextElementSibling.textContent = data.labels[k][i];
    });
    img.src = "data:image/png;base64," + data.frames[index];
  }
  inputs.forEach(function (input) { input.addEventListener("input", show); });
})();
"""
