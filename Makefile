# Two commands for a newcomer: `make chat` (talk to the built-in city guide) and `make test`.
# The virtual environment is created on first use; torch is pinned to the local CPU build
# (torch==2.13.0) before anything else so that no multi-GB CUDA build is pulled.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
TORCH  := torch==2.13.0
export OMP_WAIT_POLICY ?= PASSIVE
export TOKENIZERS_PARALLELISM ?= false

.PHONY: install chat test test-fast wheel-check bench bench-atis bench-data bench-paradise bench-pipeline bench-policy bench-rasa bench-rasa-shared bench-sim clean help

help:
	@echo "make chat        create .venv if missing, install, and talk to the built-in city guide"
	@echo "                 (its NLU is trained once, about 3 minutes, then cached in ~/.cache/tod)"
	@echo "make test        create .venv if missing, install, run the whole test suite"
	@echo "make test-fast   the tests without the slow ones (real encoder, real corpora)"
	@echo "make wheel-check build the wheel, install it in a fresh venv, chat from outside the checkout (CI runs it)"
	@echo "make bench       every benchmark, compared with its recorded results: benchmarks/results/latest.md"
	@echo "                 (about 84 min on 2 cores, 54 once its models are cached; ARGS=\"--quick\": an 8-min smoke run)"
	@echo "make bench-atis  train + evaluate JointBertNLU on ATIS, record benchmarks/results/atis_nlu.*"
	@echo "make bench-data  corpus load times and database query speed, record benchmarks/results/"
	@echo "make bench-paradise  PARADISE on the USS ratings, record benchmarks/results/paradise_uss.*"
	@echo "make bench-policy    the supervised policy on MultiWOZ/CrossWOZ val, record benchmarks/results/policy_mle.*"
	@echo "make bench-pipeline  latency of a full cityguide turn, hostile inputs, record benchmarks/results/pipeline_latency.*"
	@echo "make bench-sim       task success against the simulated user (MultiWOZ, CrossWOZ, city guide), record benchmarks/results/simulation.*"
	@echo "make bench-rasa      20 concurrent Rasa senders x 50 turns on tod serve-actions, record benchmarks/results/rasa_load.*"
	@echo "make bench-rasa-shared  two action servers sharing one PostgreSQL store, record benchmarks/results/rasa_shared_store.*"
	@echo "make install     only create .venv and install tod with its dev extra"

$(STAMP): pyproject.toml setup.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet $(TORCH)
	$(PY) -m pip install --quiet -e '.[dev,zh,rasa,postgres]'
	touch $(STAMP)

install: $(STAMP)

chat: $(STAMP)
	@$(VENV)/bin/tod chat $(ARGS)

test: $(STAMP)
	$(PY) -m pytest

test-fast: $(STAMP)
	$(PY) -m pytest -m "not slow"

wheel-check:
	bash .ci/wheel-check

bench: $(STAMP)
	$(PY) -m benchmarks $(ARGS)

bench-atis: $(STAMP)
	$(PY) benchmarks/atis_nlu.py

bench-paradise: $(STAMP)
	$(PY) benchmarks/paradise_uss.py

bench-policy: $(STAMP)
	$(PY) benchmarks/policy_mle.py

bench-pipeline: $(STAMP)
	$(PY) benchmarks/pipeline_latency.py

bench-sim: $(STAMP)
	$(PY) benchmarks/simulation.py $(ARGS)

bench-rasa: $(STAMP)
	$(PY) benchmarks/rasa_load.py

bench-rasa-shared: $(STAMP)
	$(PY) benchmarks/rasa_shared_store.py

bench-data: $(STAMP)
	$(PY) benchmarks/corpus_load.py && $(PY) benchmarks/db_query.py

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
