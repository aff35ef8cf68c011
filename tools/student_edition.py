"""The student edition: every notebook of the book without exercise solutions and hidden checks.

    python tools/student_edition.py [OUT_DIR]      # what `make student` runs; OUT_DIR defaults to student/
    python tools/student_edition.py grade STUDENT.ipynb     # run it with the book's hidden checks

For each ``book/*.ipynb`` it writes a copy to OUT_DIR in which

* every ``{solution}`` block of a markdown cell is replaced by a line inviting the answer;
* every gated solution, from its ``{solution-start}`` to its ``{solution-end}``, is replaced by an
  empty code cell for the answer;
* the hidden cells right after a gated solution (they check the solution) are removed; other
  hidden assertion cells (tag ``remove-cell``) lose their ``assert`` statements, and disappear
  when nothing else is left in them; the setup cell (which installs dlcore on Colab) stays;
* outputs are cleared, so that students run every cell themselves (``--keep-outputs`` keeps them);
* each exercise's title starts with its number as the book shows it ("Exercise 7.3: ..."), counted
  from the numbered chapters of ``_toc.yml``, so an assignment can cite it either way.
 ``tests/test_student_edition.py`` checks that no solution text
survives and that every student notebook still runs.
"""

from __future__ import annotations

import argparse
import ast
import copy
import itertools
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"

# An opening fence of a MyST directive: ```{name} or :::{name} (three or more characters).
_FENCE = re.compile(r"^(?P<fence>`{3,}|:{3,})\{(?P<name>[\w-]+)\}(?P<rest>.*)$")
ANSWER_TEXT = "*Your answer:*"
ANSWER_CODE = "# Your answer to {label}\n"


def source(cell) -> str:
    text = cell.get("source", "")
    return "".join(text) if isinstance(text, list) else text


def tags(cell) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def strip_asserts(code: str) -> str | None:
    """The code without its assert statements; None when nothing worth running is left."""
    try:
        tree = ast.parse(code)
    except SyntaxError:           # IPython magics: keep the cell only if it has no assert
        return None if re.search(r"\bassert\b", code) else code

    class _Drop(ast.NodeTransformer):
        def visit_Assert(self, node):
            return None

        def generic_visit(self, node):
            super().generic_visit(node)
            for field in ("body", "orelse", "finalbody"):
                block = getattr(node, field, None)
                if isinstance(block, list) and not block and field == "body":
                    block.append(ast.Pass())
            return node

    if not any(isinstance(node, ast.Assert) for node in ast.walk(tree)):
        return code
    tree = _Drop().visit(tree)
    useful = [node for node in tree.body
              if not isinstance(node, (ast.Pass, ast.Import, ast.ImportFrom))
              and not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))]
    return ast.unparse(ast.fix_missing_locations(tree)) + "\n" if useful else None


def _is_setup_cell(cell) -> bool:
    return cell["cell_type"] == "code" and "import dlcore" in source(cell) and "%pip install" in source(cell)


_new_ids = itertools.count()


def _code_cell(text: str):
    return {"cell_type": "code", "execution_count": None, "id": f"student-{next(_new_ids)}",
            "metadata": {}, "outputs": [], "source": text}


def _markdown_cell(text: str):
    return {"cell_type": "markdown", "id": f"student-{next(_new_ids)}", "metadata": {}, "source": text}


def _closing_line(lines: list[str], i: int) -> int:
    """Index of the line closing the directive fence opened at lines[i] (the last line if none)."""
    fence = _FENCE.match(lines[i].strip()).group("fence")
    closing = re.compile(re.escape(fence[0]) + "{%d,}" % len(fence))
    end = i + 1
    while end < len(lines) and not closing.fullmatch(lines[end].strip()):
        end += 1
    return min(end, len(lines) - 1)


def student_notebook(nb: dict, keep_outputs: bool = False) -> tuple[dict, list[str]]:
    """The student version of notebook ``nb`` (a dict in nbformat 4), and the solution texts removed.

    Markdown is read line by line across cells, because one markdown cell may close a gated
    solution, hold the next exercise and open the next gated solution.
    """
    nb = copy.deepcopy(nb)
    cells, removed = [], []
    gate = None                       # label of the gated solution being skipped, if any
    checking = False                  # right after a gated solution: hidden cells there check it
    for cell in nb["cells"]:
        text = source(cell)
        if cell["cell_type"] != "markdown":
            hidden = "remove-cell" in tags(cell)
            if gate is not None or (checking and hidden):
                removed.append(text)
                continue
            checking = False
            if cell["cell_type"] == "code" and hidden and not _is_setup_cell(cell):
                stripped = strip_asserts(text)
                if stripped is None:
                    continue
                cell["source"] = stripped
            if cell["cell_type"] == "code" and not keep_outputs:
                cell["outputs"], cell["execution_count"] = [], None
                cell.get("metadata", {}).pop("execution", None)
            cells.append(cell)
            continue

        lines, kept, i = text.split("\n"), [], 0
        flush = lambda: (cells.append(_markdown_cell("\n".join(kept).strip("\n")))
                         if "\n".join(kept).strip() else None)
        while i < len(lines):
            match = _FENCE.match(lines[i].strip())
            name = match.group("name") if match else None
            if gate is None and name == "solution":
                end = _closing_line(lines, i)
                removed.append("\n".join(lines[i:end + 1]))
                kept.append(ANSWER_TEXT)
                i = end + 1
            elif gate is None and name == "solution-start":
                end = _closing_line(lines, i)
                removed.append("\n".join(lines[i:end + 1]))
                gate = match.group("rest").strip() or "the exercise"
                i = end + 1
            elif gate is not None and name == "solution-end":
                flush()
                kept = []
                cells.append(_code_cell(ANSWER_CODE.format(label=gate)))
                gate, checking = None, True
                i = _closing_line(lines, i) + 1
            elif gate is not None:
                removed.append(lines[i])
                i += 1
            else:
                kept.append(lines[i])
                i += 1
        if "\n".join(kept).strip():
            checking = False          # text after the solution: what follows is no longer its check
        if kept != text.split("\n"):
            flush()
        else:
            cells.append(cell)
    if gate is not None:
        raise ValueError(f"solution-start of {gate} has no solution-end")
    nb["cells"] = cells
    nb.get("metadata", {}).pop("widgets", None)
    return nb, removed


def chapter_numbers() -> dict[str, int]:
    """{notebook stem: chapter number} from the numbered part of _toc.yml (the book's numbering)."""
    import yaml

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    numbers, count = {}, 0
    for part in toc.get("parts", []):
        if part.get("numbered"):
            for chapter in part.get("chapters", []):
                count += 1
                numbers[Path(chapter["file"]).name] = count
    return numbers


_EXERCISE = re.compile(r"^(?P<fence>`{3,}|:{3,})\{exercise\}\s*(?P<title>.*)$", re.M)


def number_exercises(nb: dict, chapter: int) -> dict:
    """Write "Exercise <chapter>.<k>" into the titles of the exercises, as the book numbers them."""
    k = 0
    for cell in nb["cells"]:
        if cell["cell_type"] != "markdown":
            continue

        def title(match):
            nonlocal k
            k += 1
            return f"{match.group('fence')}{{exercise}} Exercise {chapter}.{k}: {match.group('title')}".rstrip(": ")

        cell["source"] = _EXERCISE.sub(title, source(cell))
    return nb


def write_student_edition(out_dir: Path, notebooks=None, keep_outputs: bool = False) -> list[Path]:
    """Write the student copy of every notebook (default: book/*.ipynb) into out_dir."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written, chapters = [], chapter_numbers()
    for path in sorted(notebooks or BOOK.glob("*.ipynb")):
        nb = json.loads(Path(path).read_text(encoding="utf-8"))
        student, _ = student_notebook(nb, keep_outputs)
        if Path(path).stem in chapters:
            student = number_exercises(student, chapters[Path(path).stem])
        target = out_dir / Path(path).name
        target.write_text(json.dumps(student, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(target)
    return written


# ---------------------------------------------------------------------------- grading

def hidden_checks(nb: dict) -> dict[str, list[str]]:
    """{exercise label: the hidden assertion cells that follow its gated solution in the book}."""
    checks, label, after_end = {}, None, False
    for cell in nb["cells"]:
        text = source(cell)
        if cell["cell_type"] == "markdown":
            directives = [m for m in map(_FENCE.match, (line.strip() for line in text.split("\n")))
                          if m and m.group("name") in ("solution-start", "solution-end")]
            for m in directives:
                if m.group("name") == "solution-start":
                    label = m.group("rest").strip()
            # checks follow a cell whose last solution directive closes a gate
            after_end = bool(directives) and directives[-1].group("name") == "solution-end"
            continue
        if after_end and "remove-cell" in tags(cell) and re.search(r"\bassert\b", text):
            checks.setdefault(label, []).append(text)
        else:
            after_end = False
    return checks


def grade(student_path, book_path=None, timeout: int = 600) -> dict[str, str]:
    """Run a student's notebook with the book's hidden checks of each code exercise appended to
    the student's answer; returns {exercise label: "passed" or what failed}.

    The checks use the names the book's solution uses (e.g. ``recall``), so tell students those
    names, or write checks of your own into the book notebook in the same place.
    """
    import nbformat
    from nbclient import NotebookClient

    student_path = Path(student_path)
    book = json.loads(Path(book_path or BOOK / student_path.name).read_text(encoding="utf-8"))
    nb = nbformat.reads(student_path.read_text(encoding="utf-8"), as_version=4)
    checks = hidden_checks(book)
    exercise_at = {}
    for i, cell in enumerate(nb.cells):
        for label in re.findall(r"^:label: (ex-[\w-]+)", source(cell), re.M):
            exercise_at[label] = i
    starts = sorted(exercise_at.values())
    for label in sorted(checks, key=lambda lab: -exercise_at.get(lab, -1)):
        if label not in exercise_at:
            continue
        later = [i for i in starts if i > exercise_at[label]]
        end = later[0] if later else next(
            (i for i in range(exercise_at[label] + 1, len(nb.cells))
             if nb.cells[i].cell_type == "markdown" and re.match(r"(\([\w-]+\)=\s*)?#", source(nb.cells[i]))),
            len(nb.cells))
        for k, text in enumerate(checks[label]):
            check = nbformat.v4.new_code_cell(text)
            check.metadata["grading"] = label
            nb.cells.insert(end + k, check)
    NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(student_path.parent)}}).execute()
    results = {label: "passed" for label in checks if label in exercise_at}
    for cell in nb.cells:
        label = cell.metadata.get("grading")
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if label and errors and results.get(label) == "passed":
            results[label] = f"failed: {errors[0]['ename']}: {errors[0]['evalue']}"[:300]
    return results


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "grade":
        parser = argparse.ArgumentParser(prog="student_edition.py grade",
                                         description="Grade a student's notebook with the book's hidden checks.")
        parser.add_argument("notebook", type=Path, help="the student's notebook")
        parser.add_argument("--book", type=Path, help="the book's notebook (default: book/<same name>)")
        args = parser.parse_args(argv[1:])
        results = grade(args.notebook, args.book)
        for label, result in results.items():
            print(f"{label:40s} {result}")
        passed = sum(r == "passed" for r in results.values())
        print(f"{passed} of {len(results)} checked exercises passed")
        return 0
    parser = argparse.ArgumentParser(description="Write the student edition of the book's notebooks.")
    parser.add_argument("out_dir", nargs="?", default=ROOT / "student", type=Path)
    parser.add_argument("--keep-outputs", action="store_true", help="keep the stored outputs")
    args = parser.parse_args(argv)
    written = write_student_edition(args.out_dir, keep_outputs=args.keep_outputs)
    print(f"wrote {len(written)} student notebooks to {args.out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
