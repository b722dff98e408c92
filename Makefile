# make demo — build the venv, generate the sample master workbook, run payroll, write payslips into out/
# make test — build the venv and run the test suite
# make demo ARGS=--no-pdf — any options of `ecomdept demo` (see ecomdept demo --help)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
ARGS ?=

.PHONY: demo test clean

$(BIN)/ecomdept: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

demo: $(BIN)/ecomdept
	$(BIN)/ecomdept demo --out out $(ARGS)

test: $(BIN)/ecomdept
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) out
