# make run  - start the bot (with the LINE simulator unless LINE credentials are set)
# make test - run the test suite (embedded SQLite and Redis unless DATABASE_URL/REDIS_URL)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYBABEL_KEYWORDS := -k N_ -k gettext:2 -k ngettext:2,3 -k _

.PHONY: run test lint i18n-extract i18n-update bench clean

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
# files themselves (bot/i18n.py): there is nothing to compile.
i18n-extract: $(STAMP)
	$(BIN)/pybabel -q extract -F babel.cfg $(PYBABEL_KEYWORDS) --no-location \
		--add-comments=Translators: --sort-output -o locales/messages.pot .

i18n-update: i18n-extract
	$(BIN)/pybabel -q update -i locales/messages.pot -d locales --no-fuzzy-matching \
		--ignore-obsolete

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(BIN)/python bench/webhook_bench.py

clean:
	rm -rf $(VENV) instance *.egg-info
