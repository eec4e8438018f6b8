# Alora Tray. `make run` and `make test` set up what is missing first.
SHELL := /bin/bash
CARGO ?= cargo
export CARGO_TERM_COLOR ?= never

.PHONY: setup ui run test lint test-rust test-dbus test-ui test-e2e bench clean

setup:
	@.ci/setup

ui: setup
	@if [ -f ui/package.json ]; then cd ui && npm run build; fi

run: ui
	$(CARGO) run --bin alora-tray -- $(ARGS)

lint: setup
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

# Rust suites; the ones that need a session bus or a display run inside their
# own private dbus-run-session / xvfb-run so that nothing leaks between runs.
test-rust: ui
	dbus-run-session -- $(CARGO) test --workspace --no-fail-fast

test-ui: ui
	@if [ -f ui/package.json ]; then cd ui && npm test; fi

test-e2e: ui
	@if [ -f ui/package.json ] && grep -q '"e2e"' ui/package.json; then cd ui && npm run e2e; fi

test: lint test-rust test-ui test-e2e
	@echo "make test: all suites passed"

bench:
	@echo "make bench: not built yet (issue 6)"; exit 1

clean:
	$(CARGO) clean
	rm -rf ui/dist ui/node_modules tests/node-server/node_modules
