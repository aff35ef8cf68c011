"""The glossary (book/glossary.md) lists every term of every chapter's Terms table."""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GLOSSARY = (ROOT / "book" / "glossary.md").read_text(encoding="utf-8")
CHAPTERS = sorted((ROOT / "book").glob("[0-9][0-9]_*.ipynb"))


def glossary_terms():
    block = GLOSSARY[GLOSSARY.index("```{glossary}"):]
    return {line.strip().lower() for line in block.split("\n")[1:]
            if line.strip() and not line.startswith((" ", "`", ":"))}


def terms_table(nb_path):
    """(English, 中文) rows of the chapter's Terms table."""
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    md = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    table = md[md.rfind("## Terms"):]
    rows = [line for line in table.split("\n") if line.startswith("|") and not re.match(r"^\|\s*-", line)][1:]
    return [tuple(cell.strip() for cell in row.strip().strip("|").split("|")[:2]) for row in rows]


@pytest.mark.parametrize("nb", CHAPTERS, ids=lambda p: p.name)
def test_every_term_of_the_chapter_is_in_the_glossary(nb):
    terms = glossary_terms()
    missing = []
    for english, chinese in terms_table(nb):
        names = [n.strip().lower() for n in re.split(r"\s*/\s*|,\s*", re.sub(r"\s*\([^)]*\)", "", english))]
        if not any(n in terms for n in names) and chinese not in GLOSSARY:
            missing.append(english)
    assert not missing, f"add to book/glossary.md: {missing}"


def test_glossary_entries_link_to_sections():
    block = GLOSSARY[GLOSSARY.index("```{glossary}"):]
    definitions = [line for line in block.split("\n") if line.startswith("  ")]
    assert definitions and all("{ref}`" in line for line in definitions)
