# make run  - start the bot (with the LINE simulator unless LINE credentials are set)
# make test - run the test suite (embedded SQLite and Redis unless DATABASE_URL/REDIS_URL)
# make bench - the webhook benchmark; make bench-quick - every benchmark briefly (CI runs it)
# make lock - resolve the dependencies again into requirements/*.txt (hashes; CI installs them)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.bench-installed
PYBABEL_KEYWORDS := -k N_ -k gettext:2 -k ngettext:2,3 -k _

.PHONY: run test lint lock i18n-extract i18n-update bench bench-quick clean

run: $(STAMP)
	$(BIN)/machibot db upgrade
	$(BIN)/machibot data demo --if-empty
	$(BIN)/machibot serve

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check bot handlers dialogs models simulator console migrations locales tests bench
	$(BIN)/lint-imports

# Dependencies come from the lock (exact versions and their hashes), then the project itself.
$(STAMP): pyproject.toml requirements/test.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/test.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

# Catalogs: extract the English msgids, merge them into every locale. The bot reads the .po
# files themselves (bot/kernel/i18n.py): there is nothing to compile.
i18n-extract: $(STAMP)
	$(BIN)/pybabel -q extract -F babel.cfg $(PYBABEL_KEYWORDS) --no-location \
		--add-comments=Translators: --sort-output -o locales/messages.pot .

i18n-update: i18n-extract
	$(BIN)/pybabel -q update -i locales/messages.pot -d locales --no-fuzzy-matching \
		--ignore-obsolete

# the bench extra: bench/sim_host.py serves the simulator under uvicorn
$(BENCH_STAMP): $(STAMP) requirements/bench.txt
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/bench.txt
	touch $@

bench: $(BENCH_STAMP)
	$(BIN)/python -m bench.webhook

# Every benchmark with small counts, well under a minute each: figures printed, no thresholds;
# fails only when a benchmark crashes or measures nothing.
bench-quick: $(BENCH_STAMP)
	$(BIN)/python -m bench.webhook --quick
	$(BIN)/python bench/notify_bench.py --quick
	$(BIN)/python bench/worker_threads.py --quick
	$(BIN)/python bench/recommend_bench.py --quick
	$(BIN)/python bench/console_bench.py --quick
	$(BIN)/python bench/web_request.py --requests 500
	$(BIN)/python bench/search_bench.py --activities 1000 --runs 50
	$(BIN)/python bench/translation_bench.py --quick --batches 20
	$(BIN)/python bench/nlu_accuracy.py --quiet
	$(BIN)/python bench/speech_bench.py --quick

# The locks, for Python 3.11 (the CI's): runtime (deployments), test (make test, CI), bench.
# After changing dependencies in pyproject.toml, `make lock` resolves them again from PyPI
# (pip-tools in a venv of its own; a machine's own pip indexes and wheel folders are ignored);
# `make lock LOCK_ARGS=--upgrade` moves every pin to the newest release.
LOCK_VENV := .venv-lock
COMPILE := env -u PIP_FIND_LINKS -u PIP_INDEX_URL -u PIP_EXTRA_INDEX_URL PIP_CONFIG_FILE=/dev/null \
	$(LOCK_VENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links $(LOCK_ARGS)

lock:
	test -x $(LOCK_VENV)/bin/pip-compile || ($(PYTHON) -m venv $(LOCK_VENV) && \
		$(LOCK_VENV)/bin/python -m pip install --quiet pip-tools)
	$(COMPILE) -o requirements/runtime.txt pyproject.toml
	$(COMPILE) --extra test -c requirements/runtime.txt -o requirements/test.txt pyproject.toml
	$(COMPILE) --extra test --extra bench -c requirements/test.txt -o requirements/bench.txt \
		pyproject.toml

clean:
	rm -rf $(VENV) $(LOCK_VENV) instance *.egg-info
