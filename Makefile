# `make run` starts the chat; `make test` runs the whole suite. Both set up .venv first when needed.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.requirements.stamp
export HF_HUB_OFFLINE := 1
# pip installs without compiling every module to bytecode (half of a fresh install's time, torch above all), and
# Python writes the bytecode of what it imports on first use: a machine that sets PYTHONDONTWRITEBYTECODE would
# otherwise compile every module again at each start.
unexport PYTHONDONTWRITEBYTECODE
export TRANSFORMERS_OFFLINE := 1
HOST ?= 127.0.0.1
PORT ?= 8501

.PHONY: install build run test test-all browser apertium qemu bench clean reader-model

install: $(STAMP) apertium

# Reinstall only when requirements.txt changed since the last install.
$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --no-compile -r requirements.txt
	touch $(STAMP)

build: install
	$(PY) -m assistant build

run: install
	$(PY) -m assistant build
	$(PY) -m streamlit run streamlit_app.py --server.address $(HOST) --server.port $(PORT) \
		--server.headless true --browser.gatherUsageStats false

# A Debian package the tests or a feature need: installed with apt-get when $(1), the shell test that it is there,
# fails and this is root; otherwise $(3) says what is missing and what goes without it. $(2): the package (and options).
define apt_install
	@$(1) || { \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(strip $(2)) >/dev/null; \
		else echo "$(strip $(3))"; fi; }
endef

# Debian's Apertium English-Spanish translator for Spanish questions and documents (no model, no network at run time).
apertium:
	$(call apt_install,command -v lt-proc >/dev/null 2>&1 && test -f /usr/share/apertium/apertium-eng-spa/spa-eng.automorf.bin,\
		apertium-eng-spa,apertium-eng-spa is missing and this is not root: Spanish questions will say what to install)

# Debian's Chromium for the real-browser test (Playwright drives it; it never downloads a browser).
browser:
	$(call apt_install,command -v chromium >/dev/null 2>&1,chromium,\
		chromium is missing and this is not root: the browser test will be skipped)

# Debian's qemu-user, for the test that runs the reader model as a processor without AVX-512 would (an x86-64
# machine only: tests/test_reader_quantisation.py).
qemu:
	$(call apt_install,command -v qemu-x86_64 >/dev/null 2>&1 || test "$$(uname -m)" != x86_64,\
		--no-install-recommends qemu-user,qemu-user is missing and this is not root: the test of the reader on AVX2 will be skipped)

# Two workers (the machine's two cores), each test file kept on one worker for its module fixtures, handed out
# longest first (tests/conftest.py, LONGEST_FIRST) so that the two end together.
test: install browser qemu
	$(PY) -m pytest -q -n 2 --dist loadfile --no-loadscope-reorder

# Also the slow tests: the benchmark's quick mode end to end (two to three minutes here), the tuning gold sets' floors
# (about 3.5 minutes of the two workers' time) and the calibration's 10-Q source.
test-all: install browser qemu
	$(PY) -m pytest -q -n 2 --dist loadfile --no-loadscope-reorder -m ""

bench: install
	$(PY) -m benchmarks

# Reproduce assistant/models/reader from the SQuAD articles in assistant/train/data (docs/reader-model.md):
# 75 minutes or more of fine-tuning on 2 idle CPU cores, then the int8 ONNX export (weights in 7 bits) and the fitted
# threshold.
reader-model: install
	$(PY) -m assistant.train fit --epochs 2
	$(PY) -m assistant.train export
	$(PY) -m assistant.train calibrate

clean:
	rm -rf index/current index/build-* index/.build.lock .pytest_cache
