PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
EXAMPLE := examples/ilo-coop
FEEDLETTER := $(BIN)/feedletter --config $(EXAMPLE)/feedletter.toml

.PHONY: demo test lint install bench clean

$(BIN)/feedletter: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/feedletter

demo: install
	$(FEEDLETTER) -v run
	$(FEEDLETTER) -v newsletter --month 2022-12
	$(FEEDLETTER) -v validate
	@echo
	@echo "Done. Open public/index.html, subscribe to public/feeds/items.atom;"
	@echo "the archive is $(EXAMPLE)/feedletter.db."

test: install lint
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check feeds newsletter tests
	$(BIN)/mypy

bench: install
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/sources.py
	$(BIN)/python benchmarks/delivery.py
	$(BIN)/python benchmarks/detect.py
	$(BIN)/python benchmarks/newsletter_size.py
	$(BIN)/python benchmarks/page_images.py

clean:
	rm -rf public outbox $(EXAMPLE)/feedletter.db* $(EXAMPLE)/feedletter.db.lock
