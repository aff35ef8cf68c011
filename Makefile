# Deep Learning from the Ground Up: build, test and benchmark.
#   make book   set everything up (first time) and build the HTML book into _build/html
#   make test   run every test: dlcore unit tests, every notebook under nbval, browser tests
#   make unit   the dlcore unit tests alone, in seconds (make coverage: with line coverage)
# See README.md for the rest.

SHELL      := /bin/bash
VENV       := .venv
PY         := $(VENV)/bin/python
STAMP      := $(VENV)/.installed
HTML       := _build/html
NOTEBOOKS  := $(sort $(wildcard book/*.ipynb))
APT_PKGS   := dataset-fashion-mnist chromium fonts-noto-cjk
DATA_FILE  := /usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz
PORT       ?= 8000
NB_TIMEOUT ?= 600
# Notebooks and tests run BLAS on one thread: the matrices a small network multiplies gain
# little from threads, and one thread fixes the summation order, so printed digits reproduce.
ONE_THREAD := OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1

.PHONY: help setup system-deps book test unit coverage notebooks notebook serve screenshots bench clean student

help:
	@sed -n '1,6p' Makefile

## ---------------------------------------------------------------- setup
$(STAMP): requirements.txt pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

# MathJax for the browser tests: the pages load it from a CDN, the tests answer from this copy.
MATHJAX := $(VENV)/js/node_modules/mathjax
$(MATHJAX): | $(STAMP)
	@if command -v npm >/dev/null; then \
	  npm install --silent --no-audit --no-fund --prefix $(VENV)/js mathjax@3.2.2; \
	else echo "note: npm not found; the browser tests' math check will skip"; fi

setup: system-deps $(STAMP) $(MATHJAX)

# PyTorch (CPU build, pinned in requirements-torch.txt) for chapter 12's PyTorch bridge: the
# tests and notebook runs install it; reading and building the book do not need it.
TORCH_STAMP := $(VENV)/.torch-installed
$(TORCH_STAMP): requirements-torch.txt | $(STAMP)
	$(PY) -m pip install --quiet -r requirements-torch.txt
	touch $@

# Debian packages: Fashion-MNIST (data), Chromium (browser tests), CJK fonts (screenshots).
# Installed only when missing and when apt-get is available; elsewhere the book still works:
# dlcore downloads the data (checksum-verified) and the browser tests skip.
system-deps:
	@missing=""; \
	[ -f $(DATA_FILE) ] || missing="$$missing dataset-fashion-mnist"; \
	command -v chromium >/dev/null || missing="$$missing chromium fonts-noto-cjk"; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if ! command -v apt-get >/dev/null; then \
	  echo "note: no apt-get here; missing:$$missing (data will be downloaded, browser tests skip)"; exit 0; fi; \
	sudo=""; [ "$$(id -u)" = 0 ] || sudo="sudo"; \
	echo "installing Debian packages:$$missing"; \
	$$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq $$missing >/dev/null

## ---------------------------------------------------------------- book
book: setup
	$(VENV)/bin/jupyter-book build . --warningiserror --nitpick --keep-going
	@echo "The book is in $(HTML)/index.html  (make serve: http://localhost:$(PORT))"

serve:
	@echo "Serving $(HTML) on http://localhost:$(PORT) (Ctrl-C stops)"
	$(PY) -m http.server $(PORT) --bind 127.0.0.1 --directory $(HTML)

# Landing page and one chapter at desktop and phone widths, into screenshots/ (for review).
screenshots: book
	$(PY) tools/browser.py screenshots screenshots

## ---------------------------------------------------------------- tests
# One pytest run: dlcore unit tests, every notebook re-executed and compared by nbval,
# and (when Chromium is installed) the browser tests of the built book.
test: book $(TORCH_STAMP)
	$(ONE_THREAD) $(VENV)/bin/pytest tests $(NOTEBOOKS) --nbval --nbval-current-env \
	  --nbval-sanitize-with tests/nbval_sanitize.cfg --nbval-cell-timeout=$(NB_TIMEOUT) \
	  --durations=15

# The dlcore unit tests alone, in seconds: no book build, no notebooks, no browser. The tests
# left out check the book itself or render every explorer's frames; they run in `make test`.
BOOK_TESTS := browser book_structure glossary nbval_bites student_edition
UNIT_TESTS := tests -q $(BOOK_TESTS:%=--ignore=tests/test_%.py)
unit: $(STAMP)
	$(ONE_THREAD) $(VENV)/bin/pytest $(UNIT_TESTS) --ignore=tests/test_explorers.py

# The unit tests and the explorers' rendering tests, with the lines of dlcore they leave unrun.
coverage: $(STAMP)
	$(ONE_THREAD) $(VENV)/bin/pytest $(UNIT_TESTS) --cov=dlcore --cov-report=term-missing

## ---------------------------------------------------------------- notebooks
# Re-execute notebooks in place (their stored outputs are what nbval compares against).
notebooks: setup
	@for nb in $(NOTEBOOKS); do $(MAKE) --no-print-directory notebook NB=$$nb || exit 1; done

notebook: $(STAMP) $(TORCH_STAMP)
	@test -n "$(NB)" || { echo "usage: make notebook NB=book/01_perceptron.ipynb"; exit 2; }
	@start=$$(date +%s%N); \
	$(ONE_THREAD) $(VENV)/bin/jupyter nbconvert --to notebook --execute --inplace \
	  --ExecutePreprocessor.timeout=$(NB_TIMEOUT) --ExecutePreprocessor.store_widget_state=False --ExecutePreprocessor.record_timing=False "$(NB)" 2>.venv/nbconvert.log \
	  || { tail -25 .venv/nbconvert.log; echo "FAILED: $(NB)"; exit 1; }; \
	ms=$$(( ($$(date +%s%N) - start) / 1000000 )); printf "%-45s %4d.%01d s\n" "$(NB)" $$((ms / 1000)) $$((ms % 1000 / 100))

## ---------------------------------------------------------------- teaching
# The student edition: every notebook without solutions and hidden checks, into student/
# (tools/student_edition.py; tests/test_student_edition.py checks it in `make test`).
student: $(STAMP)
	$(PY) tools/student_edition.py student

## ---------------------------------------------------------------- benchmarks
bench: setup $(TORCH_STAMP)
	$(PY) benchmarks/bench.py

clean:
	rm -rf _build
