"""nbval really compares printed numbers: a stored value that differs from the re-run fails."""

import subprocess
import sys
from pathlib import Path

import nbformat

SANITIZE = Path(__file__).with_name("nbval_sanitize.cfg")


def write_notebook(path, stored_text):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("print(round(2 / 3, 4), hex(id(object())))", execution_count=1)
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=stored_text)]
    nb.cells = [cell]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


def run_nbval(path):
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval", "--nbval-current-env",
         "--nbval-sanitize-with", str(SANITIZE), str(path)],
        capture_output=True, text=True, cwd=path.parent, timeout=120)


def test_nbval_passes_same_value_and_fails_changed_value(tmp_path):
    good = tmp_path / "good.ipynb"
    write_notebook(good, "0.6667 0x7f3a2b1c9d80\n")     # the address differs on every run: sanitized
    result = run_nbval(good)
    assert result.returncode == 0, result.stdout[-2000:]

    changed = tmp_path / "changed.ipynb"
    write_notebook(changed, "0.6668 0x7f3a2b1c9d80\n")  # one digit off
    result = run_nbval(changed)
    assert result.returncode == 1 and "0.6668" in result.stdout, result.stdout[-2000:]
