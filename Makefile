# doit-nb: `make paper-figures` (main job) and `make test` (tests) each install what they need.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PROFILE ?= default
# one OpenMP thread pool that sleeps when idle: parallel processes on 2 cores do not slow each other 5-10x
export OMP_WAIT_POLICY ?= PASSIVE

.PHONY: install browser export readme test paper-figures robustness lab docs docs-serve clean perf bench gpu-check gpu-wheels

install: $(STAMP)

# idempotent: the venv is created once and refreshed when the package settings change
$(STAMP): settings.ini setup.py
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	@if command -v nvidia-smi >/dev/null 2>&1; then \
	  echo "GPU found: torch comes from PyPI (see environment.yml for a conda setup)"; \
	else \
	  $(BIN)/pip install -q torch==2.13.0; \
	fi
	$(BIN)/pip install -q -e ".[train,dev,gemma]"
	@# a CJK font for Chinese text in figures (Debian's WenQuanYi Micro Hei, 1.6 MB); skipped where apt is not ours
	@if [ ! -d /usr/share/fonts/truetype/wqy ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  (apt-get install -y -q fonts-wqy-microhei >/dev/null 2>&1 || (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q fonts-wqy-microhei >/dev/null 2>&1)) \
	  || echo "note: no CJK font installed; Chinese text in figures falls back to the default font"; fi
	@touch $@

export: install
	$(BIN)/nbdev_export

# README.md is the book's front page (nbs/index.ipynb) rendered; tests/test_readme.py fails when they differ
readme: install
	$(BIN)/python -c "from doit_nb.paper import front_page_text; open('README.md', 'w', encoding='utf-8').write(front_page_text('nbs/index.ipynb'))"

# a real browser for the test of each run's front page, index.html (Debian's chromium); skipped where apt is not ours
browser:
	@if ! command -v chromium >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  (apt-get install -y -q chromium >/dev/null 2>&1 || (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null 2>&1)) \
	  || echo "note: chromium could not be installed; the browser test of index.html is skipped"; fi

# the notebooks are the source: doit_nb/ must be what nbdev exports from them
test: install browser
	$(BIN)/nbdev_export
	@if [ -n "$$CI" ] && [ -n "$$(git status --porcelain -- doit_nb)" ]; then \
	  echo "doit_nb/ is out of date with nbs/: run 'make export' and commit"; git status --short -- doit_nb; exit 1; fi
	# figure notebooks (5x) need a sweep's results: tests/test_paper_figures.py runs them through papermill
	DOIT_PROGRESS=0 $(BIN)/nbdev_test --n_workers 2 --skip_file_re "^5[1-9]_"
	DOIT_PROGRESS=0 $(BIN)/pytest -q tests experiments/tests
	@# the tracked reference runs in figures/: current for this code, or what a rerun would redo (information only)
	-@for p in default smoke; do $(BIN)/doit-nb status --profile $$p; done

paper-figures: install
	$(BIN)/doit-nb paper-figures --profile $(PROFILE)

# the foundation and scaling sweeps on worlds 0, 1 and 2 of the sample set: figures/robustness/ (PROFILE=smoke: quick)
robustness: install
	$(BIN)/doit-nb robustness --profile $(PROFILE)

lab: install
	$(BIN)/jupyter lab nbs

# the book as a website in _docs/ (MkDocs with Material and mkdocs-jupyter, all from PyPI: Quarto cannot install here)
docs: install
	$(BIN)/python docs/prepare.py
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build -q
	@echo "site: _docs/index.html (search needs a server: make docs-serve)"

# the built site on http://localhost:8000, where its search works (a browser gives search no index from file://)
docs-serve: docs
	cd _docs && $(BIN)/python -m http.server 8000

clean:
	rm -rf runs _docs _docs_src _proc .pytest_cache build *.egg-info
	find . -name __pycache__ -prune -exec rm -rf {} +

# speed measurements (perf/): each prints ratios against a baseline measured in the same run, never asserted in unit tests
perf: install
	$(BIN)/python perf/pretrain_throughput.py
	$(BIN)/python perf/sft_throughput.py
	$(BIN)/python perf/scoring_speed.py
	$(BIN)/python perf/run_profile.py
	$(BIN)/python perf/warm_kernel.py

# deprecated alias of `make perf`, kept for one version
bench:
	@echo "note: 'make bench' is now 'make perf'"
	@$(MAKE) --no-print-directory perf

# The paper profile's GPU paths on one NVIDIA GPU, in under ten minutes (perf/gpu_check.py): bf16 full
# fine-tuning, padding-free batches, LoRA and QLoRA, CPU/GPU loss agreement, DeepSpeed ZeRO-3 through accelerate,
# GPU scoring; report in runs/gpu-check/. It uses the Python that holds CUDA torch as it is (no venv, no registry):
# packages that Python lacks come from the wheels in .whl/ (made by `make gpu-wheels` where a registry is at hand).
GPU_PYTHON ?= python3
GPU_CHECK_OUT ?= runs/gpu-check
gpu-check:
	@command -v nvidia-smi >/dev/null 2>&1 || { echo "make gpu-check: no NVIDIA GPU on this machine (nvidia-smi not found)"; exit 2; }
	@if ls .whl/*.whl >/dev/null 2>&1; then \
	  echo "installing $$(ls .whl/*.whl | wc -l) carried wheels into .gpu-site/"; \
	  $(GPU_PYTHON) -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target .gpu-site .whl/*.whl || exit 1; fi
	PYTHONPATH=$(CURDIR)/.gpu-site:$(CURDIR) $(GPU_PYTHON) perf/gpu_check.py --out $(GPU_CHECK_OUT)

# What a GPU image with torch, transformers, accelerate and peft lacks, as wheels for CPython 3.12 on x86-64 Linux,
# at the versions this venv has; DeepSpeed is published as source only, so its wheel is built here (no compiled ops).
GPU_WHEELS := trl datasets dill multiprocess bitsandbytes hjson pydantic pydantic-core annotated-types typing-inspection typing-extensions
GPU_PLATFORMS := $(foreach p,manylinux_2_28 manylinux_2_27 manylinux_2_24 manylinux_2_17 manylinux2014 manylinux1,--platform $(p)_x86_64)
gpu-wheels: install
	@mkdir -p .whl
	@for p in $(GPU_WHEELS); do v=$$($(BIN)/pip show $$p 2>/dev/null | sed -n 's/^Version: //p'); \
	  $(BIN)/pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp $(GPU_PLATFORMS) \
	    -d .whl "$$p$${v:+==$$v}" || exit 1; done
	DS_BUILD_OPS=0 $(BIN)/pip wheel -q --no-deps --no-build-isolation --no-binary=:all: -w .whl deepspeed
	@du -sh .whl
