"""Every dlcore object whose docstring names the chapter that teaches it ("Taught in chapter 5",
"Chapters 2 and 5.") is used or named in that chapter's notebook."""

import importlib
import inspect
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MODULES = ("conv", "data", "functions", "grad", "init", "layers", "metrics", "model", "optim",
           "plot", "train")
CLAIM = re.compile(r"(?:[Tt]aught in chapters?|\b[Cc]hapters?)\s+(\d+(?:(?:,\s*|\s+and\s+)\d+)*)")


def chapter_text(number):
    """The source of every cell of chapter ``number``'s notebook, joined."""
    (path,) = (ROOT / "book").glob(f"{number:02d}_*.ipynb")
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return "\n".join("".join(cell["source"]) for cell in cells)


def claims():
    """(qualified name, short name, chapter) for every chapter a public object's docstring names
    in its first paragraph."""
    for module_name in MODULES:
        module = importlib.import_module(f"dlcore.{module_name}")
        for name, obj in vars(module).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
                continue
            if not (inspect.isclass(obj) or inspect.isfunction(obj)) or not obj.__doc__:
                continue
            first_paragraph = obj.__doc__.split("\n\n")[0]
            for match in CLAIM.finditer(first_paragraph):
                for chapter in re.findall(r"\d+", match.group(1)):
                    yield f"{module_name}.{name}", name, int(chapter)


CLAIMS = sorted(set(claims()))


def test_claims_are_found():
    assert len(CLAIMS) > 40, CLAIMS


@pytest.mark.parametrize("qualified, name, chapter", CLAIMS)
def test_object_is_used_or_named_in_the_chapter_its_docstring_names(qualified, name, chapter):
    assert re.search(rf"\b{re.escape(name)}\b", chapter_text(chapter)), (
        f"{qualified}'s docstring says chapter {chapter} teaches it, but chapter {chapter} "
        f"never names it")
