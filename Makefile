# Kursk Atlas: `make run` and `make test` set everything up from pyproject.toml on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test bench basemap control fuzz soak compare-formats clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(PY) main.py

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

# The bench extra brings DuckDB, the floor of the headless convert/inspect/render cases.
BENCH_STAMP := $(VENV)/.installed-bench
$(BENCH_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[test,bench]'
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) main.py bench $(ARGS)

basemap: $(STAMP)
	$(PY) tools/build_basemap.py

# One view as PNG, SVG and PDF; the SVG through rsvg-convert and QtSvg, the PDF through pdftoppm,
# each compared pixel-wise with the PNG (pictures, diffs and report.json in out/compare-formats).
compare-formats: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) tools/compare_formats.py --out out/compare-formats $(ARGS)

# The approximate reconstruction of the Ukrainian-held area (data/control/SOURCES.md).
control: $(STAMP)
	$(PY) tools/build_control_reconstruction.py

# Longer fuzzing (fresh random examples each run) with the counts per target in out/fuzz-report.json.
FUZZ_EXAMPLES ?= 3000
fuzz: $(STAMP)
	mkdir -p out
	QT_QPA_PLATFORM=offscreen KATLAS_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) KATLAS_BAD_FILES_ALL=1 \
	  KATLAS_FUZZ_REPORT=out/fuzz-report.json $(PY) -m pytest -q -W ignore::DeprecationWarning tests/fuzz

# The long-session test: 1M events, 1,000 random changes, memory stable (out/soak-report.json).
soak: $(STAMP)
	mkdir -p out
	QT_QPA_PLATFORM=offscreen KATLAS_SOAK=1 KATLAS_SOAK_REPORT=out/soak-report.json \
	  $(PY) -m pytest -q -s -m slow tests/workspace/test_long_session.py

clean:
	rm -rf $(VENV) build .pytest_cache
