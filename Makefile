# Everything runs in .venv, made from the machine's python3 when missing.
# `make setup` installs the course (editable) with its test tools, at the
# tested versions in constraints.txt; a stamp file inside .venv makes re-runs
# instant until pyproject.toml or constraints.txt changes.
# `make lock` refreshes constraints.txt and environment.yml (tools/lock.py).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.k8scourse-installed
# `make course` opens JupyterLab on your copies of the notebooks in work/ (see README).
# Extra options for JupyterLab, e.g. `make course LAB_ARGS=--no-browser`.
LAB_ARGS ?=

.PHONY: course test setup exercises lock

course: setup
	$(BIN)/k8scourse lab $(LAB_ARGS)

test: setup
	$(BIN)/python -m pytest

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check -c constraints.txt -e '.[test]'
	touch $(STAMP)

exercises: setup
	$(BIN)/k8scourse make-exercises

# The newest versions pyproject.toml allows, installed in a throwaway venv and
# written to constraints.txt and environment.yml; run `make test` before committing.
lock:
	$(PYTHON) tools/lock.py
