# Alora Tray. `make run` and `make test` set up what is missing first.
SHELL := /bin/bash
CARGO ?= cargo
export CARGO_TERM_COLOR ?= never

.PHONY: setup ui run contract test lint test-rust test-ui test-e2e test-webdriver fuzz-smoke fuzz soak bench clean

setup:
	@.ci/setup

ui: setup
	@if [ -f ui/package.json ]; then cd ui && npm run build; fi

# Demo mode (an embedded backend, no server needed) until a server is set in
# Settings; ARGS="--demo" forces it, ARGS="--server-url URL" picks a server.
ARGS ?=
run: ui
	$(CARGO) run --bin alora-tray -- $(ARGS)

# The UI contract (ui/src/contract/) regenerated from the Rust types
# (docs/IPC.md, "What is generated"); test-rust fails while it is stale.
contract: ui
	ALORA_WRITE_CONTRACT=1 $(CARGO) test -p alora-tray --lib contract::tests::contract_is_up_to_date

# clippy compiles the app, whose generate_context! needs ui/dist: so `ui` first.
lint: ui
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

# Rust suites; the ones that need a session bus or a display run inside their
# own private dbus-run-session / xvfb-run so that nothing leaks between runs.
# ALORA_TEST_STRICT=1 turns "no bus / no display / no node" skips into failures.
test-rust: ui
	ALORA_TEST_STRICT=1 xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- \
		tests/app/with-keyring.sh $(CARGO) test --workspace --no-fail-fast

test-ui: ui
	@if [ -f ui/package.json ]; then cd ui && npm test; fi

test-e2e: ui
	@if [ -f ui/package.json ] && grep -q '"e2e"' ui/package.json; then cd ui && npm run e2e; fi

# The real debug app through tauri-driver + WebKitWebDriver, under Xvfb + D-Bus.
test-webdriver: ui
	$(CARGO) build -p alora-tray -p alora-backend --bin alora-tray --bin alora-backend
	xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- tests/webdriver/run.sh

# cargo-fuzz targets (fuzz/, not in the workspace): the link's payload
# decoder, the outbox's state machine, the instance socket's request parser.
# cargo-fuzz passes nightly flags; RUSTC_BOOTSTRAP=1 lets the stable
# toolchain take them. No sanitizer: the targets are safe Rust, and without
# one the build is minutes shorter. fuzz-smoke: FUZZ_SECONDS (60) each, in
# `make test`; fuzz: 10 minutes each. A crash stops the run, leaves its input
# in fuzz/artifacts/<target>/, and becomes a regression test in the crate.
FUZZ_TARGETS := payload_decoder outbox instance_request
FUZZ_SECONDS ?= 60
fuzz-smoke: setup
	@for t in $(FUZZ_TARGETS); do \
		mkdir -p fuzz/corpus/$$t && \
		RUSTC_BOOTSTRAP=1 $(CARGO) fuzz run --sanitizer none --debug-assertions $$t \
			fuzz/corpus/$$t fuzz/seeds/$$t -- -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 || exit 1; \
	done

fuzz:
	$(MAKE) fuzz-smoke FUZZ_SECONDS=600

# Long runs, not in `make test`: the flood of unknown events for 10 s
# (1 s in test-rust) at 100 000 a second; a release build, since a debug one
# reads a few thousand a second.
soak: setup
	ALORA_FLOOD_SECONDS=10 $(CARGO) test --release -p alora-link --test flood -- --nocapture

test: lint test-rust test-ui test-e2e test-webdriver fuzz-smoke
	@echo "make test: all suites passed"

# Benchmarks (issue 6): builds release, runs every benchmark under a private
# Xvfb + session bus, prints a table, writes target/bench/results.json.
# Takes a while (a cold first run builds a bare Tauri app too). Never part of
# `make test`. BENCH_ARGS="--only ingest,latency" runs some of them.
bench: ui
	bench/run.sh $(BENCH_ARGS)

clean:
	$(CARGO) clean
	rm -rf ui/dist ui/node_modules tests/node-server/node_modules
