# make run  - start the bot (with the LINE simulator unless LINE credentials are set)
# make test - run the test suite (embedded SQLite and Redis unless DATABASE_URL/REDIS_URL)
# make bench - the webhook benchmark; make bench-quick - every benchmark briefly (CI runs it)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.bench-installed
PYBABEL_KEYWORDS := -k N_ -k gettext:2 -k ngettext:2,3 -k _

.PHONY: run test lint i18n-extract i18n-update bench bench-quick clean

run: $(STAMP)
	$(BIN)/machibot db upgrade
	$(BIN)/machibot data demo --if-empty
	$(BIN)/machibot serve

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check bot handlers dialogs models simulator migrations locales tests bench
	$(BIN)/lint-imports

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
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
$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $@

bench: $(BENCH_STAMP)
	$(BIN)/python -m bench.webhook

# Every benchmark with small counts, well under a minute each: figures printed, no thresholds;
# fails only when a benchmark crashes or measures nothing.
bench-quick: $(BENCH_STAMP)
	$(BIN)/python -m bench.webhook --quick
	$(BIN)/python bench/notify_bench.py --quick
	$(BIN)/python bench/recommend_bench.py --quick

clean:
	rm -rf $(VENV) instance *.egg-info
