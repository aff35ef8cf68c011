"""The student edition (`make student`): no solution and no hidden check survives, the exercises
and the setup cell do, and every student notebook still runs from top to bottom."""

import copy
import itertools
import json
import os
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from student_edition import (ANSWER_CODE, ANSWER_TEXT, BOOK, chapter_numbers, grade, hidden_checks,
                             number_exercises, source, strip_asserts, student_notebook, tags,
                             write_student_edition)

NOTEBOOKS = sorted(BOOK.glob("*.ipynb"))
SETUP = ('# Setup for Colab: installs dlcore ...\ntry:\n    import dlcore\nexcept ImportError:\n'
         '    %pip install --quiet "dlcore @ git+https://example.org/repo"\n    import dlcore')
EXECUTE_TIMEOUT = int(os.environ.get("STUDENT_CELL_TIMEOUT", "600"))


_ids = itertools.count()


def _md(text):
    return {"cell_type": "markdown", "id": f"toy-{next(_ids)}", "metadata": {}, "source": text}


def _code(text, *cell_tags, outputs=None):
    return {"cell_type": "code", "id": f"toy-{next(_ids)}", "execution_count": 1 if outputs else None,
            "metadata": {"tags": list(cell_tags)} if cell_tags else {},
            "outputs": outputs or [], "source": text}


def _nb(cells):
    return {"cells": cells, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                        "language": "python"}},
            "nbformat": 4, "nbformat_minor": 5}


# ------------------------------------------------------------------ the transformation itself

@pytest.fixture
def toy():
    output = [{"output_type": "stream", "name": "stdout", "text": ["42\n"]}]
    return _nb([
        _code(SETUP, "remove-cell"),
        _md("# Toy\n\nSome text."),
        _code("x = 41 + 1\nprint(x)", outputs=output),
        _code("assert x == 42\nassert x > 0, 'positive'", "remove-cell"),
        _code("helper = x * 2\nassert helper == 84\nfor i in range(2):\n    assert i < 2", "remove-cell"),
        _md("```{exercise} Add\n:label: ex-toy-add\nWhat is 1 + 1?\n```\n\n"
            "```{solution} ex-toy-add\n:class: dropdown\nThe secret answer is two.\n```\n\nAfter the solution."),
        _md("````{exercise} Code it\n:label: ex-toy-code\nCompute 3 * 3.\n````"),
        _md("````{solution-start} ex-toy-code\n:class: dropdown\n````"),
        _code("secret_square = 3 * 3\nprint(secret_square)"),
        _md("The hidden explanation of the square."),
        _md("````{solution-end}\n````"),
        _code("assert secret_square == 9", "remove-cell"),
        _md(":::{solution} ex-toy-add\n:class: dropdown\nA colon-fenced hidden remark.\n:::"),
        _md("## Summary\n\nDone."),
    ])


def test_solutions_are_replaced_by_answer_places(toy):
    student, removed = student_notebook(toy)
    text = json.dumps(student)
    for secret in ("secret answer is two", "secret_square", "hidden explanation", "colon-fenced hidden"):
        assert secret not in text
        assert any(secret in block for block in removed)
    sources = [source(c) for c in student["cells"]]
    assert any(ANSWER_CODE.format(label="ex-toy-code") == s for s in sources)
    assert sum(s.count(ANSWER_TEXT) for s in sources) == 2
    assert "After the solution." in text and "What is 1 + 1?" in text and "Compute 3 * 3." in text
    assert "{solution" not in text


def test_hidden_checks_go_and_what_they_compute_stays(toy):
    student, _ = student_notebook(toy)
    cells = student["cells"]
    assert source(cells[0]) == SETUP and "remove-cell" in tags(cells[0])     # the setup cell stays
    hidden = [source(c) for c in cells[1:] if "remove-cell" in tags(c)]
    assert hidden == ["helper = x * 2\nfor i in range(2):\n    pass\n"]
    assert all(c["outputs"] == [] and c["execution_count"] is None for c in cells if c["cell_type"] == "code")
    kept, _ = student_notebook(toy, keep_outputs=True)
    assert any(c.get("outputs") for c in kept["cells"] if c["cell_type"] == "code")


def test_strip_asserts_edge_cases():
    assert strip_asserts("y = 1") == "y = 1"
    assert strip_asserts("import numpy as np\nassert np.pi > 3") is None
    assert strip_asserts("%time assert True") is None
    assert strip_asserts("%time x = 1") == "%time x = 1"


def test_unclosed_gate_is_an_error(toy):
    toy["cells"] = [c for c in toy["cells"] if "solution-end" not in source(c)]
    with pytest.raises(ValueError, match="no solution-end"):
        student_notebook(toy)


def test_exercises_are_numbered_as_in_the_book(toy):
    numbered = number_exercises(toy, 7)
    titles = re.findall(r"\{exercise\} (Exercise [\d.]+: [\w ]+)", json.dumps(numbered))
    assert titles == ["Exercise 7.1: Add", "Exercise 7.2: Code it"]
    assert list(chapter_numbers().values()) == list(range(1, len(chapter_numbers()) + 1))


def test_grading_applies_the_book_checks_to_the_answers(toy, tmp_path):
    assert hidden_checks(toy) == {"ex-toy-code": ["assert secret_square == 9"]}
    book = tmp_path / "book.ipynb"
    book.write_text(json.dumps(toy))
    student, _ = student_notebook(toy)
    for answer, expected in (("secret_square = 3 * 3", "passed"), ("secret_square = 6", "failed: AssertionError")):
        nb = copy.deepcopy(student)
        cell = next(c for c in nb["cells"] if source(c).startswith(ANSWER_CODE.format(label="ex-toy-code")))
        cell["source"] = source(cell) + answer
        path = tmp_path / "student.ipynb"
        path.write_text(json.dumps(nb))
        result = grade(path, book)
        assert list(result) == ["ex-toy-code"] and result["ex-toy-code"].startswith(expected), result


# ------------------------------------------------------------------ the book's student edition

@pytest.fixture(scope="module")
def edition(tmp_path_factory):
    out = tmp_path_factory.mktemp("student")
    write_student_edition(out)
    return out


def _load(path):
    return json.loads(Path(path).read_text(encoding="utf-8"))


def _solution_lines(nb):
    """Distinctive lines of the solutions of nb: not found anywhere else in the notebook."""
    _, removed = student_notebook(nb)
    kept_text = "\n".join(source(c) for c in student_notebook(nb)[0]["cells"])
    lines = {line.strip() for block in removed for line in block.split("\n")}
    return {line for line in lines
            if len(line) >= 20 and not re.match(r"^(`{3,}|:{3,})", line) and line not in kept_text}


def test_every_notebook_has_a_student_copy(edition):
    assert sorted(p.name for p in edition.glob("*.ipynb")) == [p.name for p in NOTEBOOKS]


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.name)
def test_no_solution_text_survives(edition, nb):
    original = _load(nb)
    student = _load(edition / nb.name)
    text = "\n".join(source(c) for c in student["cells"])
    assert not re.search(r"\{solution(-start|-end)?\}", text)
    leaked = [line for line in _solution_lines(original) if line in text]
    assert not leaked, f"solution text survives: {leaked[:3]}"
    exercises = lambda t: re.findall(r"\{exercise\}.*\n:label: (ex-[\w-]+)", t)
    original_text = "\n".join(source(c) for c in original["cells"])
    assert exercises(text) == exercises(original_text), "the exercises themselves must stay"


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.name)
def test_no_hidden_check_survives(edition, nb):
    student = _load(edition / nb.name)
    for cell in student["cells"]:
        if cell["cell_type"] == "code" and "remove-cell" in tags(cell):
            assert not re.search(r"^\s*assert\b", source(cell), re.M), source(cell)[:200]
        if cell["cell_type"] == "code":
            assert cell["outputs"] == []


# Injected (in memory only) before running a student notebook: figures are not rendered and
# explorers skip pre-rendering their frames; the notebooks' own code runs unchanged.
_FAST_START = """\
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as _plt
get_ipython().events.register("post_run_cell", lambda *args: _plt.close("all"))
import dlcore.widgets as _widgets
_widgets.Explorer._repr_mimebundle_ = lambda self, include=None, exclude=None: {"text/plain": repr(self)}
"""


def _run(path):
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.reads(Path(path).read_text(encoding="utf-8"), as_version=4)
    nb.cells.insert(1, nbformat.v4.new_code_cell(_FAST_START))
    client = NotebookClient(nb, timeout=EXECUTE_TIMEOUT, kernel_name="python3",
                            resources={"metadata": {"path": str(BOOK)}})
    try:
        client.execute()
    except CellExecutionError as error:
        return f"{Path(path).name}: {str(error)[-1500:]}"
    return None


def test_every_student_notebook_runs(edition, monkeypatch):
    """Each student notebook executes without error (two at a time, one BLAS thread each)."""
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    notebooks = sorted(edition.glob("*.ipynb"))
    with ThreadPoolExecutor(max_workers=2) as pool:
        failures = [f for f in pool.map(_run, notebooks) if f]
    assert not failures, "\n\n".join(failures)
