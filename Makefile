# Kursk Atlas: `make run` and `make test` set everything up from pyproject.toml on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test bench basemap control clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(PY) main.py

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

bench: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) main.py bench

basemap: $(STAMP)
	$(PY) tools/build_basemap.py

# The approximate reconstruction of the Ukrainian-held area (data/control/SOURCES.md).
control: $(STAMP)
	$(PY) tools/build_control_reconstruction.py

clean:
	rm -rf $(VENV) build .pytest_cache
