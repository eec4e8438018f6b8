# Alora Tray. `make run` and `make test` set up what is missing first.
SHELL := /bin/bash
CARGO ?= cargo
export CARGO_TERM_COLOR ?= never

.PHONY: setup ui run contract test lint test-icons test-rust test-ui test-e2e test-webdriver test-fuzz fuzz-smoke fuzz soak package package-test bench clean

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

# The checked-in PNGs are what icons/render.sh draws from icons/src/*.svg.
test-icons: setup
	icons/check.sh

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

# A short fuzz smoke: the targets' seeds (the crashes of their first runs
# among them) and FUZZ_TEST_SECONDS of new inputs each. From a cold
# fuzz/target most of its time is the fuzz build (14 to 20 minutes here):
# that would take CI past its 45 minutes, so it runs in `make soak`, not in
# `make test` (README, "Tests").
FUZZ_TEST_SECONDS ?= 20
test-fuzz: setup
	$(MAKE) fuzz-smoke FUZZ_SECONDS=$(FUZZ_TEST_SECONDS)

test: lint test-icons test-rust test-ui test-e2e test-webdriver
	@echo "make test: all suites passed"

# cargo-fuzz targets (fuzz/, not in the workspace): the link's payload
# decoder, the outbox's state machine, the instance socket's request parser.
# cargo-fuzz passes nightly flags; RUSTC_BOOTSTRAP=1 lets the stable
# toolchain take them. No sanitizer: the targets are safe Rust, and without
# one the build is minutes shorter. fuzz-smoke: FUZZ_SECONDS (60) each
# (test-fuzz, in `make soak`: 20 s each); fuzz: 10 minutes each. A crash
# stops the run and leaves its input in fuzz/artifacts/<target>/; it becomes
# a seed in fuzz/seeds/<target>/, which every later run replays first, and
# a regression test in the crate when the crate is at fault.
FUZZ_TARGETS := payload_decoder outbox instance_request
FUZZ_SECONDS ?= 60
fuzz-smoke: setup
	@command -v cargo-fuzz >/dev/null || $(CARGO) install --locked cargo-fuzz
	@for t in $(FUZZ_TARGETS); do \
		mkdir -p fuzz/corpus/$$t && \
		RUSTC_BOOTSTRAP=1 $(CARGO) fuzz run --sanitizer none --debug-assertions $$t \
			fuzz/corpus/$$t fuzz/seeds/$$t -- -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 || exit 1; \
	done

fuzz:
	$(MAKE) fuzz-smoke FUZZ_SECONDS=600

# The long chaos suites (issue 18), never part of `make test`: the restart
# storm with 100 restarts (20 in make test) and the outage at full length,
# 10 real minutes (compressed 20 times in make test).
soak: ui test-fuzz
	ALORA_TEST_STRICT=1 ALORA_STORM_RESTARTS=100 xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- \
		tests/app/with-keyring.sh $(CARGO) test -p alora-tray --test storm -- --nocapture
	ALORA_TEST_STRICT=1 ALORA_OUTAGE_SCALE=1 $(CARGO) test -p alora-link --test long_outage -- --nocapture
	ALORA_FLOOD_SECONDS=10 $(CARGO) test --release -p alora-link --test flood -- --nocapture

# The release build and its .deb and .rpm (target/release/bundle/), by the
# Tauri bundler of @tauri-apps/cli (ui's devDependencies: its native binary
# comes in the npm package, nothing is downloaded). No AppImage: the bundler
# downloads linuxdeploy for it (README). packaging/desktop-id.sh renames the
# desktop entry in both to the app id.
TAURI := ui/node_modules/.bin/tauri
package: ui
	$(TAURI) build --ci --bundles deb,rpm
	packaging/desktop-id.sh target/release/bundle

# Checks, installs (root: it is the CI machine), runs and removes the .deb,
# and lists the .rpm (tests/package/run.sh); builds them first when missing.
package-test: setup
	@ls target/release/bundle/deb/alora-tray_*.deb target/release/bundle/rpm/alora-tray-*.rpm >/dev/null 2>&1 || $(MAKE) package
	xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- tests/package/run.sh

# Benchmarks (issue 6): builds release, runs every benchmark under a private
# Xvfb + session bus, prints a table, writes target/bench/results.json.
# Takes a while (a cold first run builds a bare Tauri app too). Never part of
# `make test`. BENCH_ARGS="--only ingest,latency" runs some of them.
bench: ui
	bench/run.sh $(BENCH_ARGS)

clean:
	$(CARGO) clean
	rm -rf ui/dist ui/node_modules tests/node-server/node_modules
