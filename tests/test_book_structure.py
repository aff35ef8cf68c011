"""The book's structure: every chapter in the table of contents, stored executed, with the same
setup cell, exercises with hidden solutions, hidden checks, and no paths of a local machine."""

import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
TOC = yaml.safe_load((ROOT / "_toc.yml").read_text())
NOTEBOOKS = sorted((ROOT / "book").glob("*.ipynb"))
CHAPTERS = [nb for nb in NOTEBOOKS if re.match(r"\d\d_", nb.name)]

SETUP_CELL = """\
# Setup for Colab: installs dlcore from the book's repository when it is missing; does nothing elsewhere.
try:
    import dlcore
except ImportError:
    %pip install --quiet "dlcore @ git+{url}"
    import dlcore"""


def toc_files(node):
    if isinstance(node, dict):
        if "file" in node:
            yield node["file"]
        for value in node.values():
            yield from toc_files(value)
    elif isinstance(node, list):
        for item in node:
            yield from toc_files(item)


def load(nb):
    return json.loads(nb.read_text(encoding="utf-8"))


def code_cells(nb):
    return [c for c in load(nb)["cells"] if c["cell_type"] == "code"]


def source(cell):
    return "".join(cell["source"])


def test_toc_and_notebooks_agree():
    listed = {TOC["root"], *toc_files(TOC["parts"])}
    for entry in listed:
        candidates = [ROOT / f"{entry}{ext}" for ext in (".md", ".ipynb")]
        assert any(c.exists() for c in candidates), f"_toc.yml lists {entry}, which does not exist"
    for nb in NOTEBOOKS:
        assert f"book/{nb.stem}" in listed, f"{nb.name} is not in _toc.yml"


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.name)
def test_setup_cell_installs_from_the_configured_repository(nb):
    first = code_cells(nb)[0]
    assert source(first).strip() == SETUP_CELL.format(url=CONFIG["repository"]["url"])
    assert "remove-cell" in first["metadata"].get("tags", [])


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.name)
def test_stored_executed_without_errors(nb):
    cells = [c for c in code_cells(nb) if source(c).strip()]
    assert all(c["execution_count"] is not None for c in cells), "re-execute it: make notebook NB=..."
    errors = [o for c in cells for o in c["outputs"] if o["output_type"] == "error"]
    assert not errors, f"stored error output: {errors[0].get('ename')}"
    assert load(nb)["metadata"]["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("nb", CHAPTERS, ids=lambda p: p.name)
def test_chapter_has_exercises_with_hidden_solutions(nb):
    text = "\n".join(source(c) for c in load(nb)["cells"] if c["cell_type"] == "markdown")
    exercises = re.findall(r"```\{exercise\}.*\n:label: (ex-[\w-]+)", text)
    assert len(exercises) >= 4, f"{len(exercises)} exercises, at least 4 expected"
    for label in exercises:
        solution = re.search(r"```\{solution(?:-start)?\} " + re.escape(label) + r"\s*\n((?::\w+:.*\n)*)", text)
        assert solution, f"exercise {label} has no solution"
        assert ":class: dropdown" in solution.group(1), f"the solution of {label} is not hidden in a dropdown"


@pytest.mark.parametrize("nb", CHAPTERS, ids=lambda p: p.name)
def test_chapter_checks_its_claims_in_hidden_cells(nb):
    hidden = [c for c in code_cells(nb)[1:] if "remove-cell" in c["metadata"].get("tags", [])]
    assert any("assert" in source(c) for c in hidden), "no hidden assertion cell"


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.name)
def test_repository_address_only_in_the_setup_cell(nb):
    owner_repo = CONFIG["repository"]["url"].split("github.com/")[1]
    owner = owner_repo.split("/")[0]
    later = "\n".join(source(c) for c in load(nb)["cells"][1:] if c["cell_type"] == "code")
    assert owner not in later, "a code cell names the repository; take the address from one place"


MAX_EXPLORER_BYTES = 2_000_000     # one static explorer (all its frames inlined)
MAX_NOTEBOOK_BYTES = 8_000_000     # one chapter page


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.name)
def test_pages_stay_small(nb):
    assert nb.stat().st_size < MAX_NOTEBOOK_BYTES, f"{nb.name} is {nb.stat().st_size / 1e6:.1f} MB"
    for cell in code_cells(nb):
        for output in cell["outputs"]:
            page = "".join(output.get("data", {}).get("text/html", ""))
            if "dlcore-explorer" in page:
                assert len(page) < MAX_EXPLORER_BYTES, f"a static explorer of {len(page) / 1e6:.1f} MB"


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.name)
def test_no_local_machine_paths(nb):
    text = nb.read_text(encoding="utf-8")
    assert not re.search(r"/(work|tmp|root|home)/[\w.-]+/", text.replace("/usr/share/datasets/", "")), \
        "the notebook shows a path of the machine it ran on"
