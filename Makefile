# FinancialTracker. `make run` and `make test` are the README's two commands.
SHELL := /bin/bash
export PATH := /opt/swift/usr/bin:$(PATH)

FT := .build/release/ft
DATA_DIR ?= data

.PHONY: run test deps build bench clean

## Install what is missing, build, seed the demo database (once), and show what is in it.
run: deps build
	@if [ -f "$(DATA_DIR)/financialtracker.sqlite" ]; then \
	  echo "Keeping the existing database in $(DATA_DIR)/ (delete it, or run '$(FT) seed --replace', to start over)."; \
	else \
	  $(FT) seed --data-dir "$(DATA_DIR)"; \
	fi
	@$(FT) info --data-dir "$(DATA_DIR)"
	@echo
	@echo "Done: built $(FT), demo data in $(DATA_DIR)/financialtracker.sqlite."
	@echo "Site generation and the sync server are not built yet; see the README's tour of ft."

## The whole test suite.
test: deps
	swift test

deps:
	@bash .ci/install-deps.sh

build:
	swift build -c release --product ft

## Benchmarks: seeding the 10,000-expert / 50,000-client database (median of RUNS=3).
bench: deps build
	@bash .ci/bench-seed.sh

clean:
	rm -rf .build .build-*
	find public -mindepth 1 ! -name README.md -delete
