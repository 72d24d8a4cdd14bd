# FinancialTracker. `make run` and `make test` are the README's two commands.
SHELL := /bin/bash
export PATH := /opt/swift/usr/bin:$(PATH)

FT := .build/release/ft
DATA_DIR ?= data
VENV := .venv

.PHONY: run test deps build bench clean

## Install what is missing, build, seed the demo database (once), generate the public site.
run: deps build
	@if [ -f "$(DATA_DIR)/financialtracker.sqlite" ]; then \
	  echo "Keeping the existing database in $(DATA_DIR)/ (delete it, or run '$(FT) seed --replace', to start over)."; \
	else \
	  $(FT) seed --data-dir "$(DATA_DIR)"; \
	fi
	@$(FT) generate --data-dir "$(DATA_DIR)" --out public
	@echo
	@echo "Done: built $(FT), demo data in $(DATA_DIR)/financialtracker.sqlite, the public site in public/."
	@echo "The sync server that will serve it is not built yet: open public/index.html through any static web server,"
	@echo "e.g. 'python3 -m http.server -d public 8080', then http://127.0.0.1:8080/."

## The whole test suite: JavaScript (node --test), the browser tests (headless Chromium), then
## the Swift tests, whose closing lines end the output.
test: deps $(VENV)/.selenium
	swift build --build-tests
	node --test Tests/browser/
	FT=.build/debug/ft $(VENV)/bin/python Tests/browser/test_search.py
	swift test

$(VENV)/.selenium:
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check 'selenium>=4.20,<5'
	touch $@

deps:
	@bash .ci/install-deps.sh

build:
	swift build -c release --product ft

## Benchmarks: seeding the 10,000-expert / 50,000-client database, then generating its site
## (full and no-change builds); medians of RUNS=3.
bench: deps build
	@bash .ci/bench.sh

clean:
	rm -rf .build .build-*
	find public -mindepth 1 ! -name README.md -delete
