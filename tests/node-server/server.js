#!/usr/bin/env node
// Reference Alora backend on Node `socket.io` 4, for the alora-link integration tests.
// It behaves as the embedded Rust backend (crates/backend) does; see shared/PROTOCOL.md.
//
//   node server.js [--port 0] [--path /socket/notification] [--secret S]
//                  [--ping-interval MS] [--ping-timeout MS] [--recovery]
//                  [--tls-cert FILE --tls-key FILE] [--host 127.0.0.1]
//                  [--store DIR] [--redis redis://HOST:PORT] [--name NODE]
//
// --host: the address to listen on (a test's network namespace has its own).
// --store: messages and the catch-up log are kept in DIR (JSON lines, written
//   before the event is acknowledged or emitted) and read back at start, so that
//   a restarted or killed server still drops a re-sent clientId and replays what
//   a client missed, as a backend with a database does.
// --redis: one node of several, sharing rooms and emits through
//   @socket.io/redis-adapter (and the message store through Redis, by clientId).
//
// `sendMessage` to the conversation "silent" is recorded but never acknowledged.
//
// Control over stdio, one JSON object a line.
//   stdout: {"kind":"listening","port":N} first, then "accepted", "rejected", "received",
//           "disconnected", and replies ("token", "messages", "error").
//   stdin:  {"cmd":"emit","to":"all"|"<userId>","event":E,"args":[...]}
//           {"cmd":"disconnectAll"}
//           {"cmd":"token","userId":U,"ttlSec":N}      -> {"kind":"token","token":T}
//           {"cmd":"messages"}                         -> {"kind":"messages","messages":[...]}
//   An "emit" with a "seq" is answered {"kind":"emitted","seq":S} once stored and sent.
// The process stops (gracefully) when stdin closes, and on SIGTERM or SIGINT.
'use strict';

const fs = require('fs');
const path = require('path');
const http = require('http');
const https = require('https');
const crypto = require('crypto');
const readline = require('readline');
const jwt = require('jsonwebtoken');
const { Server } = require('socket.io');

const LOG_CAPACITY = 10000;
// Messages to this conversation are never acknowledged, so that tests can see a client retry.
const SILENT_CONVERSATION = 'silent';

function parseArgs(argv) {
  const opts = {
    port: 0,
    path: '/socket/notification',
    secret: crypto.randomBytes(32).toString('hex'),
    pingInterval: 25000,
    pingTimeout: 20000,
    recovery: false,
    tlsCert: null,
    tlsKey: null,
    host: '127.0.0.1',
    store: null,
    redis: null,
    name: 'node',
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${flag} needs a value`);
      return argv[++i];
    };
    switch (flag) {
      case '--port': opts.port = Number(value()); break;
      case '--path': opts.path = value(); break;
      case '--secret': opts.secret = value(); break;
      case '--ping-interval': opts.pingInterval = Number(value()); break;
      case '--ping-timeout': opts.pingTimeout = Number(value()); break;
      case '--recovery': opts.recovery = true; break;
      case '--tls-cert': opts.tlsCert = value(); break;
      case '--tls-key': opts.tlsKey = value(); break;
      case '--host': opts.host = value(); break;
      case '--store': opts.store = value(); break;
      case '--redis': opts.redis = value(); break;
      case '--name': opts.name = value(); break;
      default: throw new Error(`unknown option ${flag}`);
    }
  }
  return opts;
}

function out(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

function idText(v) {
  if (typeof v === 'string' && v.length > 0) return v;
  if (typeof v === 'number') return String(v);
  return null;
}

const opts = parseArgs(process.argv.slice(2));
const httpServer = opts.tlsCert
  ? https.createServer({ cert: fs.readFileSync(opts.tlsCert), key: fs.readFileSync(opts.tlsKey) })
  : http.createServer();

const ioOptions = {
  path: opts.path,
  pingInterval: opts.pingInterval,
  pingTimeout: opts.pingTimeout,
  serveClient: false,
};
if (opts.recovery) {
  ioOptions.connectionStateRecovery = { maxDisconnectionDuration: 2 * 60 * 1000, skipMiddlewares: true };
}
const io = new Server(httpServer, ioOptions);

// ---- memory -------------------------------------------------------------------------------
const messages = [];
const byClientId = new Map();
const catchUpLog = []; // {userId, event, args, at(ms)}
const presence = new Map(); // userId -> Set(socketId)
let redis = null; // with --redis: the shared message store

// --store: JSON lines, appended synchronously before the ack or the emit, read back at start.
const storeFile = (name) => (opts.store ? path.join(opts.store, name) : null);
function appendLine(name, obj) {
  const file = storeFile(name);
  if (file) fs.appendFileSync(file, JSON.stringify(obj) + '\n');
}
function readLines(name) {
  const file = storeFile(name);
  if (!file || !fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).flatMap((l) => {
    try { return [JSON.parse(l)]; } catch (_) { return []; } // a line cut short by SIGKILL
  });
}
if (opts.store) {
  fs.mkdirSync(opts.store, { recursive: true });
  for (const m of readLines('messages.jsonl')) {
    messages.push(m);
    if (m.clientId !== null) byClientId.set(m.clientId, messages.length - 1);
  }
  for (const e of readLines('events.jsonl')) catchUpLog.push(e);
}

function emitToUser(userId, event, args) {
  const entry = { userId, event, args, at: Date.now() };
  appendLine('events.jsonl', entry);
  catchUpLog.push(entry);
  if (catchUpLog.length > LOG_CAPACITY) catchUpLog.shift();
  io.to(`user:${userId}`).emit(event, ...args);
}

function newMessage(senderId, payload, clientId, n) {
  return {
    id: `m${n}`,
    clientId,
    conversationId: payload && payload.conversationId !== undefined ? payload.conversationId : null,
    senderId,
    content: payload && payload.content !== undefined ? payload.content : null,
    createdAt: new Date().toISOString(),
    node: opts.name,
  };
}

// {message, isNew}; a clientId seen before gives the stored message again. Synchronous on
// one node (a socket's packets are handled in order), a Promise of it with --redis.
function storeMessage(senderId, payload) {
  const clientId = idText(payload && payload.clientId);
  if (redis) return storeShared(senderId, payload, clientId);
  if (clientId !== null && byClientId.has(clientId)) {
    return { message: messages[byClientId.get(clientId)], isNew: false };
  }
  const message = newMessage(senderId, payload, clientId, messages.length + 1);
  appendLine('messages.jsonl', message);
  messages.push(message);
  if (clientId !== null) byClientId.set(clientId, messages.length - 1);
  return { message, isNew: true };
}

async function storeShared(senderId, payload, clientId) {
  const message = newMessage(senderId, payload, clientId, crypto.randomUUID());
  if (clientId === null || (await redis.set(`alora:msg:${clientId}`, JSON.stringify(message), { NX: true }))) {
    await redis.rPush('alora:messages', JSON.stringify(message));
    return { message, isNew: true };
  }
  return { message: JSON.parse(await redis.get(`alora:msg:${clientId}`)), isNew: false };
}

async function allMessages() {
  if (!redis) return messages;
  return (await redis.lRange('alora:messages', 0, -1)).map((m) => JSON.parse(m));
}

// ---- handshake ----------------------------------------------------------------------------
io.use((socket, next) => {
  const auth = socket.handshake.auth || {};
  const token = typeof auth.token === 'string' ? auth.token : '';
  const reject = (reason) => {
    out({ kind: 'rejected', reason });
    next(new Error(reason));
  };
  if (!token) return reject('unauthorized');
  let claims;
  try {
    claims = jwt.verify(token, opts.secret, { algorithms: ['HS256'] });
  } catch (err) {
    return reject(err && err.name === 'TokenExpiredError' ? 'jwt expired' : 'invalid token');
  }
  const userId = idText(claims.userId) || idText(claims.sub);
  if (!userId) return reject('invalid token');
  const header = /^Bearer /.test(socket.handshake.headers.authorization || '');
  socket.data.userId = userId;
  socket.data.since = typeof auth.since === 'string' ? auth.since : null;
  socket.data.auth = { token, since: auth.since === undefined ? null : auth.since, header };
  next();
});

io.on('connection', (socket) => {
  const userId = socket.data.userId;

  socket.onAny((event, ...args) => {
    const payload = args.length > 0 && typeof args[0] !== 'function' ? args[0] : null;
    out({ kind: 'received', userId, socketId: socket.id, event, payload });
  });

  socket.on('register', (p) => {
    const id = idText(p && p.userId);
    if (id) socket.join(`user:${id}`);
  });
  socket.on('joinConversation', (p) => {
    const c = idText(p && p.conversationId);
    if (c) socket.join(`conv:${c}`);
  });
  socket.on('sendMessage', (p, ack) => {
    // A backend that lost the message: never stored, acknowledged nor broadcast.
    if (idText(p && p.conversationId) === SILENT_CONVERSATION) return;
    const stored = ({ message, isNew }) => {
      if (typeof ack === 'function') ack(message);
      const c = idText(p && p.conversationId);
      if (isNew && c) socket.to(`conv:${c}`).emit('newMessage', message);
    };
    const result = storeMessage(userId, p);
    if (result instanceof Promise) result.then(stored, (err) => process.stderr.write(`store: ${err}\n`));
    else stored(result);
  });
  socket.on('typing', (p) => {
    const c = idText(p && p.conversationId);
    if (!c) return;
    socket.to(`conv:${c}`).emit('userTyping', {
      userId: idText(p.userId) || userId,
      isTyping: p.isTyping === true,
      conversationId: c,
    });
  });
  socket.on('updateStatus', (p) => {
    emitToUser(userId, 'statusUpdated', [{ userId, status: p && p.status !== undefined ? p.status : null }]);
  });
  socket.on('bookingUpdate', (p) => {
    emitToUser(userId, 'bookingUpdated', [{
      bookingId: p && p.bookingId !== undefined ? p.bookingId : null,
      status: p && p.status !== undefined ? p.status : null,
      updatedBy: userId,
    }]);
  });

  socket.on('disconnect', () => {
    const set = presence.get(userId);
    if (set && set.delete(socket.id) && set.size === 0) {
      presence.delete(userId);
      socket.broadcast.emit('userOffline', { userId });
    }
    out({ kind: 'disconnected', socketId: socket.id });
  });

  socket.join(`user:${userId}`);
  if (!presence.has(userId)) presence.set(userId, new Set());
  const set = presence.get(userId);
  set.add(socket.id);
  if (set.size === 1) socket.broadcast.emit('userOnline', { userId });

  socket.emit('connected', { userId, socketId: socket.id });
  const since = socket.data.since ? Date.parse(socket.data.since) : NaN;
  if (!Number.isNaN(since)) {
    for (const entry of catchUpLog) {
      if (entry.userId === userId && entry.at > since) socket.emit(entry.event, ...entry.args);
    }
  }
  out({ kind: 'accepted', userId, socketId: socket.id, auth: socket.data.auth, recovered: socket.recovered === true });
});

// ---- control ------------------------------------------------------------------------------
function command(line) {
  let cmd;
  try {
    cmd = JSON.parse(line);
  } catch (err) {
    out({ kind: 'error', message: `bad command: ${err.message}` });
    return;
  }
  switch (cmd.cmd) {
    case 'emit': {
      const args = Array.isArray(cmd.args) ? cmd.args : [];
      if (cmd.to === 'all' || cmd.to === undefined || cmd.to === null) io.emit(cmd.event, ...args);
      else emitToUser(String(cmd.to), cmd.event, args);
      if (cmd.seq !== undefined) out({ kind: 'emitted', seq: cmd.seq });
      break;
    }
    case 'raw': {
      // One engine.io message as given, past socket.io's encoder: `hex` goes
      // as a binary websocket frame, `text` as a text frame (a socket.io
      // packet string such as '2[]').
      const data = typeof cmd.hex === 'string' ? Buffer.from(cmd.hex, 'hex') : String(cmd.text ?? '');
      for (const socket of io.sockets.sockets.values()) socket.conn.write(data);
      out({ kind: 'raw', sockets: io.sockets.sockets.size });
      break;
    }
    case 'flood': {
      // `perSecond` events named `event` for `seconds`, paced by the clock
      // (in ticks of about 10 ms), then a report of how many went out.
      const perSecond = Number(cmd.perSecond) || 1000;
      const total = Math.round(perSecond * (Number(cmd.seconds) || 1));
      const payload = cmd.payload ?? { n: 0 };
      const start = Date.now();
      let sent = 0;
      const tick = () => {
        const due = Math.min(total, Math.floor(((Date.now() - start) * perSecond) / 1000));
        for (; sent < due; sent += 1) {
          for (const socket of io.sockets.sockets.values()) socket.emit(cmd.event, payload);
        }
        if (sent < total) setTimeout(tick, 10);
        else out({ kind: 'flooded', sent, ms: Date.now() - start });
      };
      tick();
      break;
    }
    case 'disconnectAll':
      // Close the transports (no Socket.IO DISCONNECT packet), as a server restart would.
      for (const socket of io.sockets.sockets.values()) socket.conn.close();
      break;
    case 'token': {
      const now = Math.floor(Date.now() / 1000);
      const ttl = Number.isFinite(cmd.ttlSec) ? cmd.ttlSec : 3600;
      const token = jwt.sign({ sub: cmd.userId, userId: cmd.userId, iat: now, exp: now + ttl }, opts.secret, {
        algorithm: 'HS256',
      });
      out({ kind: 'token', token });
      break;
    }
    case 'messages':
      allMessages().then((all) => out({ kind: 'messages', messages: all }));
      break;
    default:
      out({ kind: 'error', message: `unknown command ${cmd.cmd}` });
  }
}

let stopping = false;
function stop(code) {
  if (stopping) return;
  stopping = true;
  const timer = setTimeout(() => process.exit(code), 2000);
  timer.unref();
  io.close(() => process.exit(code));
}

process.on('SIGTERM', () => stop(0));
process.on('SIGINT', () => stop(0));
process.stdout.on('error', () => stop(0));

const rl = readline.createInterface({ input: process.stdin });
rl.on('line', (line) => {
  if (line.trim()) command(line);
});
rl.on('close', () => stop(0));

// ---- listen (retrying while a just-stopped server still holds the port) ------------------
let attempts = 0;
httpServer.on('error', (err) => {
  if (err.code === 'EADDRINUSE' && attempts < 100) {
    attempts += 1;
    setTimeout(() => httpServer.listen(opts.port, opts.host), 50);
    return;
  }
  process.stderr.write(`server error: ${err.stack || err}\n`);
  process.exit(1);
});
httpServer.on('listening', () => out({ kind: 'listening', port: httpServer.address().port }));

async function shareThroughRedis() {
  // Loaded only here: a single node needs neither package.
  const { createAdapter } = require('@socket.io/redis-adapter');
  const { createClient } = require('redis');
  const pub = createClient({ url: opts.redis });
  const sub = pub.duplicate();
  for (const c of [pub, sub]) c.on('error', (err) => process.stderr.write(`redis: ${err}\n`));
  await Promise.all([pub.connect(), sub.connect()]);
  io.adapter(createAdapter(pub, sub));
  redis = pub;
}

(opts.redis ? shareThroughRedis() : Promise.resolve()).then(
  () => httpServer.listen(opts.port, opts.host),
  (err) => {
    process.stderr.write(`cannot reach redis at ${opts.redis}: ${err}\n`);
    process.exit(1);
  },
);
