# Everything runs in .venv, made from the machine's python3 when missing.
# `make setup` installs the course (editable) with its test tools; a stamp
# file inside .venv makes re-runs instant until pyproject.toml changes.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.k8scourse-installed
# `make course` opens JupyterLab on your copies of the notebooks in work/ (see README).
# Extra options for JupyterLab, e.g. `make course LAB_ARGS=--no-browser`.
LAB_ARGS ?=

.PHONY: course test setup exercises

course: setup
	$(BIN)/k8scourse lab $(LAB_ARGS)

test: setup
	$(BIN)/python -m pytest

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

exercises: setup
	$(BIN)/k8scourse make-exercises
