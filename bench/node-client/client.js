#!/usr/bin/env node
// The Node socket.io-client side of `make bench`: the reference receiver that
// Alora Tray is compared with. It speaks the same protocol as the app
// (handshake auth token, websocket transport, `register` after `connected`)
// and reports on stdout, one line per fact, for the Rust bench to read:
//
//   node client.js --url URL --path PATH --token JWT --user ID --mode MODE
//
//   ingest   counts every event; on the sentinel (a bookingUpdated whose
//            bookingId starts with "sentinel") prints
//            {"done": true, "count": N, "spanMs": first-to-last}
//   latency  prints "seen <seq>" for each event carrying "[lat:<seq>]"
//   idle     connects, registers and waits
//   flush    on `connect`, sends --count sendMessage with emitWithAck, all at
//            once (clientId "<prefix>-<n>", n zero-padded to 5), and when the
//            last ack is in prints {"flushMs": connect-to-last-ack, "acked": N}
"use strict";

const { io } = require("socket.io-client");

function options(argv) {
  const out = { mode: "idle" };
  for (let i = 2; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, "");
    out[key] = argv[i + 1];
  }
  for (const key of ["url", "path", "token", "user"]) {
    if (!out[key]) {
      process.stderr.write(`node client: --${key} is required\n`);
      process.exit(2);
    }
  }
  return out;
}

const opt = options(process.argv);
const socket = io(opt.url, {
  path: opt.path,
  transports: ["websocket"],
  auth: { token: opt.token },
  extraHeaders: { Authorization: `Bearer ${opt.token}` },
});

function say(line) {
  // A pipe's writes are synchronous on Linux: the line leaves now.
  process.stdout.write(line + "\n");
}

socket.on("connected", () => {
  socket.emit("register", { userId: opt.user });
});

socket.on("connect_error", (err) => {
  process.stderr.write(`node client: connect_error ${err.message}\n`);
});

let count = 0;
let first = 0n;
let last = 0n;
const LAT = /\[lat:(\d+)\]/;

socket.onAny((event, payload) => {
  if (opt.mode === "ingest") {
    const now = process.hrtime.bigint();
    if (count === 0) first = now;
    last = now;
    count += 1;
    const id = payload && payload.bookingId;
    if (event === "bookingUpdated" && typeof id === "string" && id.startsWith("sentinel")) {
      const spanMs = Number(last - first) / 1e6;
      say(JSON.stringify({ done: true, count, spanMs }));
    }
  } else if (opt.mode === "latency") {
    const text = JSON.stringify(payload);
    const m = LAT.exec(text);
    if (m) say(`seen ${m[1]}`);
  }
});

let flushed = false;
socket.on("connect", async () => {
  if (opt.mode !== "flush" || flushed) return;
  flushed = true;
  const t0 = process.hrtime.bigint();
  const count = Number(opt.count || 1000);
  const prefix = opt.prefix || opt.user;
  const acks = [];
  for (let n = 0; n < count; n++) {
    const clientId = `${prefix}-${String(n).padStart(5, "0")}`;
    acks.push(
      socket.emitWithAck("sendMessage", {
        clientId,
        conversationId: "flush",
        content: `queued offline ${n}`,
      })
    );
  }
  await Promise.all(acks);
  const flushMs = Number(process.hrtime.bigint() - t0) / 1e6;
  say(JSON.stringify({ flushMs, acked: count }));
});

process.on("SIGTERM", () => {
  socket.close();
  process.exit(0);
});
