// The real alora-tray binary, launched by WebKitWebDriver through tauri-driver.
// Each instance gets its own tauri-driver (the app inherits its environment),
// hence its own settings, data and cache dirs and forwarding socket, as
// tests/app/support.rs does for the app's Rust tests.

import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, openSync, rmSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "./backend.mjs";
import { Session, waitFor } from "./webdriver.mjs";

const INHERITED_CONFIG = ["ALORA_SOCKET_SERVER_URL", "ALORA_SOCKET_PATH", "ALORA_TOKEN", "ALORA_USE_MOCK_SOCKET"];

export class TrayApp {
  /**
   * Starts tauri-driver (`driver`), then a session that launches `bin` with `args`;
   * resolves once the UI has rendered its status bar. Logs go to `<tmp>/<name>-*` files.
   */
  static async start({ bin, driver, args, name, tmp, extraEnv = {} }) {
    mkdirSync(tmp, { recursive: true });
    const dir = mkdtempSync(join(tmp, `${name}-`));
    const env = { ...process.env };
    for (const k of INHERITED_CONFIG) delete env[k];
    Object.assign(env, {
      ALORA_TRAY_SOCKET: join(dir, "tray.sock"),
      XDG_DATA_HOME: join(dir, "data"),
      XDG_CONFIG_HOME: join(dir, "config"),
      XDG_CACHE_HOME: join(dir, "cache"),
      RUST_LOG: process.env.RUST_LOG ?? "info,alora_tray=debug",
      ...extraEnv,
    });
    const port = await freePort();
    const nativePort = await freePort();
    const log = openSync(join(dir, "driver-and-app.log"), "a");
    const child = spawn(driver, ["--port", String(port), "--native-port", String(nativePort)], {
      env,
      stdio: ["ignore", log, log],
    });
    const app = new TrayApp({ bin, env, dir, child });
    const base = `http://127.0.0.1:${port}`;
    try {
      await waitFor("tauri-driver to answer", async () => {
        if (app.exited) throw new Error(`tauri-driver exited: ${JSON.stringify(app.exited)}`);
        const res = await fetch(`${base}/status`);
        return res.ok;
      });
      app.session = await Session.create(base, {
        "tauri:options": { application: bin, args },
      });
      await app.session.waitForElement('[data-testid="link-state"]', { timeout: 60_000 });
    } catch (e) {
      await app.stop();
      throw e;
    }
    return app;
  }

  constructor({ bin, env, dir, child }) {
    this.bin = bin;
    this.env = env;
    this.dir = dir;
    this.child = child;
    this.session = null;
    this.exited = null;
    // Should this process end without stop() (a crash), tauri-driver goes with it.
    const orphan = () => child.kill("SIGTERM");
    process.on("exit", orphan);
    child.on("exit", (code, signal) => {
      this.exited = { code, signal };
      process.off("exit", orphan);
    });
  }

  get log() {
    return join(this.dir, "driver-and-app.log");
  }

  /** Ends the session, stops tauri-driver (it stops WebKitWebDriver), and makes sure the app is gone. */
  async stop() {
    if (this.session) {
      await this.session.delete().catch(() => {});
      this.session = null;
    }
    if (!this.exited) {
      this.child.kill("SIGTERM");
      await waitFor("tauri-driver to exit", () => this.exited, { timeout: 10_000 }).catch(() => {
        this.child.kill("SIGKILL");
      });
    }
    // WebKitWebDriver kills the app when the session ends (leaving its socket file
    // behind); should it still run, it answers on its socket and quits.
    const socket = this.env.ALORA_TRAY_SOCKET;
    if (existsSync(socket)) {
      const quit = spawnSync(this.bin, ["quit"], { env: this.env, timeout: 20_000, stdio: "ignore" });
      if (quit.status === 0) {
        await waitFor("the app to quit", () => !existsSync(socket), { timeout: 20_000 }).catch(() => {});
      }
    }
  }

  /** Removes the sandbox (not on failure: its log tells what happened). */
  cleanup() {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
