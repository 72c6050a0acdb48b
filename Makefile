# Set-up and everyday commands. `make run` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SHARED_AUDIO := ../shared/gtzan/audio

.PHONY: setup run test lint docs dist-check browser-deps bench clean

setup: $(STAMP)

# torch is pinned and installed first: the CPU wheel lies on this machine's disk, an unpinned one pulls GBs of CUDA.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q "torch==2.13.0"
	$(BIN)/python -m pip install -q -e ".[all,test]"
	$(BIN)/python -m musicgenre.features.warmup  # compile librosa's numba kernels once, serially
	touch $(STAMP)

run: $(STAMP)
	@if [ -d $(SHARED_AUDIO) ]; then \
		$(BIN)/musicgenre predict $(SHARED_AUDIO); \
	else \
		$(BIN)/musicgenre predict --examples; \
	fi

# Debian's Chromium for the browser test; only possible as root, otherwise that test skips with its reason.
browser-deps:
	@if ! command -v chromium >/dev/null 2>&1 && [ "$$(id -u)" = "0" ]; then \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
		|| echo "browser-deps: could not install chromium; the browser test will skip"; \
	fi

# The musicnn equality tests run first under other CPU kernels than this machine's (oneDNN capped at SSE4.1,
# ATen without SIMD): a float32 tolerance that holds only for one CPU's rounding fails here on any machine.
test: $(STAMP) browser-deps lint docs
	ONEDNN_MAX_CPU_ISA=SSE41 ATEN_CPU_CAPABILITY=default $(BIN)/python -m pytest -n 2 -q -p no:cacheprovider \
		tests/backbones/test_equality.py tests/backbones/test_efficientat_equality.py
	$(BIN)/python -m pytest -n 2 -q
	$(MAKE) --no-print-directory dist-check

# The gates a change must pass: ruff's lint rules and formatting, mypy over src/, and the layer contracts
# (import-linter: no import runs upward, no cycles; DEVELOPING.md, "Layers"). Config in pyproject.toml.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

# The documentation site into site/; any warning (broken link or anchor, unresolved API block) fails it.
# NO_MKDOCS_2_WARNING: mkdocs-material prints an end-of-life banner on every build otherwise.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet

# Build the sdist and wheel, install the wheel into a fresh venv (base deps only, then [web]) and use it from outside
# the source tree: predict with both models, --version, serve. Prints the wheel's size and make-up.
dist-check: $(STAMP)
	$(BIN)/python tools/check_wheel.py

bench: $(STAMP)
	$(BIN)/python benchmarks/feature_speed.py

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
