"""dlcore.widgets.Explorer: frames, the static HTML page and the live widget."""

import base64
import json
import re

import matplotlib.pyplot as plt
import numpy as np
import pytest

from dlcore import widgets
from dlcore.widgets import Explorer, message_figure


def render_line(slope, color):
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1], [0, slope], color=color)
    ax.set_ylim(-2, 2)
    return fig


@pytest.fixture
def explorer():
    return Explorer(render_line, {"slope": [-1.0, 0.0, 1.0], "color": ["red", "blue"]},
                    title="A line", labels={"slope": "slope a"})


def test_grid_and_corners(explorer):
    assert explorer.num_frames == 6
    points = list(explorer.grid_points())
    assert points[0] == {"slope": -1.0, "color": "red"} and points[1] == {"slope": -1.0, "color": "blue"}
    assert len(list(explorer.corner_points())) == 4
    assert explorer.initial == {"slope": 0.0, "color": "blue"}


def test_frames_are_png_cached_and_differ(explorer):
    a = explorer.frame(slope=-1.0, color="red")
    assert a.startswith(b"\x89PNG")
    assert explorer.frame(slope=-1.0, color="red") is a
    assert explorer.frame(slope=1.0, color="red") != a


def test_static_html_is_self_contained(explorer):
    page = explorer.static_html()
    assert "http://" not in page and "https://" not in page        # nothing fetched from the network
    assert page.count('type="range"') == 2
    data = json.loads(re.search(r'<script type="application/json" class="dlx-data">(.*?)</script>', page).group(1))
    assert data["sizes"] == [3, 2] and len(data["frames"]) == 6
    assert data["labels"] == [["-1", "0", "1"], ["red", "blue"]]
    # the <img> starts on the initial frame: slope 0 (index 1), blue (index 1) -> flat index 3
    shown = re.search(r'src="data:image/png;base64,([^"]+)"', page).group(1)
    assert base64.b64decode(shown) == explorer.frame(slope=0.0, color="blue")
    assert data["frames"][3] == shown
    assert "slope a" in page


def test_repr_without_kernel_is_static_only(explorer):
    bundle = explorer._repr_mimebundle_()
    assert set(bundle) == {"text/html", "text/plain"}


def test_repr_in_kernel_adds_the_widget(explorer, monkeypatch):
    monkeypatch.setattr(widgets, "_in_kernel", lambda: True)

    class FakeBox:
        def _repr_mimebundle_(self):
            return {"text/plain": "VBox()", "application/vnd.jupyter.widget-view+json": {"model_id": "m"}}

    monkeypatch.setattr(Explorer, "widget", lambda self: FakeBox())
    bundle = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle and "text/html" in bundle


def test_live_widget_updates_image(explorer):
    box = explorer.widget()
    slider = box.children[1]
    image = box.children[-1]
    before = image.value
    slider.value = 1.0
    assert image.value != before and image.value == explorer.frame(slope=1.0, color="blue")


def test_in_kernel_false_in_plain_python():
    assert widgets._in_kernel() is False


def test_bad_explorers_are_refused():
    with pytest.raises(TypeError, match="render must be a function"):
        Explorer("not a function", {"a": [1]})
    with pytest.raises(ValueError, match="at least one parameter"):
        Explorer(render_line, {})
    with pytest.raises(ValueError, match=r"grid\['slope'\] is empty"):
        Explorer(render_line, {"slope": []})
    with pytest.raises(ValueError, match="initial value 5 of 'slope' is not in its grid"):
        Explorer(render_line, {"slope": [0, 1]}, initial={"slope": 5})
    with pytest.raises(ValueError, match=r"grid has 400 frames, more than 150"):
        Explorer(render_line, {"slope": np.arange(20), "color": np.arange(20)})


def test_message_figure_is_a_frame():
    png = widgets.figure_to_png(message_figure("diverged at step 3"))
    assert png.startswith(b"\x89PNG")
