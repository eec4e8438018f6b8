// The embedded backend (`alora-backend --control`) as a child process: commands go
// to its stdin, what it reports comes back as JSON lines on its stdout. It stops
// by itself when its stdin closes, so it never outlives this process.

import { spawn } from "node:child_process";
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import net from "node:net";
import { createInterface } from "node:readline";
import { waitFor } from "./webdriver.mjs";

/** A port that was free a moment ago on 127.0.0.1. */
export async function freePort() {
  const server = net.createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address();
  server.close();
  await once(server, "close");
  return port;
}

export class BackendProcess {
  /**
   * Starts `bin` on 127.0.0.1:`port` with the HS256 `secret`; resolves once it listens.
   * `log` is a file that gets its stderr.
   */
  static async start({ bin, port, secret, user = "u1", log }) {
    const child = spawn(bin, ["--control", "--port", String(port), "--secret", secret, "--user", user], {
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? "info" },
    });
    if (log) child.stderr.pipe(createWriteStream(log, { flags: "a" }));
    else child.stderr.resume();
    const b = new BackendProcess(child);
    const listening = await waitFor("the backend's listening line", () => b.listening ?? b.exited, {
      timeout: 30_000,
    });
    if (!b.listening) throw new Error(`alora-backend exited before listening (${JSON.stringify(listening)})`);
    return b;
  }

  constructor(child) {
    this.child = child;
    this.listening = null;
    this.exited = null;
    /** Every line it reported after the listening line, in order. */
    this.events = [];
    child.on("exit", (code, signal) => {
      this.exited = { code, signal };
    });
    // A stop (ours or its own) closes the pipe; writing to it must not crash the run.
    child.stdin.on("error", () => {});
    createInterface({ input: child.stdout }).on("line", (line) => {
      let v;
      try {
        v = JSON.parse(line);
      } catch {
        this.events.push({ kind: "unparsed", line });
        return;
      }
      if (!this.listening && typeof v.url === "string") this.listening = v;
      else this.events.push(v);
    });
  }

  get url() {
    return this.listening.url;
  }

  /** The JWT it minted for its `--user` (valid 24 h). */
  get token() {
    return this.listening.token;
  }

  command(cmd) {
    this.child.stdin.write(`${JSON.stringify(cmd)}\n`);
  }

  /** Emits `event` to every socket of `user`; resolves once the backend says it did. */
  async push(user, event, payload) {
    const from = this.events.length;
    this.command({ cmd: "push", user, event, payload });
    await waitFor(`the backend to push ${event}`, () =>
      this.events.slice(from).find((e) => e.kind === "pushed" && e.event === event),
    );
  }

  /** The first reported event (from index `from` on) that `pred` accepts, waiting for it. */
  waitForEvent(what, pred, { from = 0, timeout = 30_000 } = {}) {
    return waitFor(what, () => this.events.slice(from).find(pred), { timeout, seen: () => this.events.slice(-8) });
  }

  /** What clients emitted, as `{event, payload, userId, ...}`. */
  received(event) {
    return this.events.filter((e) => e.kind === "received" && (!event || e.event === event));
  }

  /** Graceful stop; resolves once the process is gone (killed if it takes too long). */
  async stop() {
    if (this.exited) return this.exited;
    this.command({ cmd: "stop" });
    this.child.stdin.end();
    try {
      await waitFor("the backend to exit", () => this.exited, { timeout: 15_000 });
    } catch {
      this.child.kill("SIGKILL");
      await waitFor("the killed backend to exit", () => this.exited, { timeout: 5_000 });
    }
    return this.exited;
  }
}
