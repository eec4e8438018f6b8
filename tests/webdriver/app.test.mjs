// End to end on the real app: target/debug/alora-tray, launched by
// WebKitWebDriver through tauri-driver, against the embedded backend
// (target/debug/alora-backend --control) on 127.0.0.1. Run it with run.sh,
// under a display and a session bus (xvfb-run -a dbus-run-session).
//
// The flows share one app and one backend and run in order: Live, a pushed
// notification, an HTML payload shown as text, a message seen at the server,
// then offline → pending → sent once the server is back on the same port.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { delimiter, dirname, join, resolve } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { TrayApp } from "./lib/app.mjs";
import { BackendProcess, freePort } from "./lib/backend.mjs";
import { waitFor } from "./lib/webdriver.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, "../..");
const APP_BIN = process.env.ALORA_TRAY_BIN ?? join(ROOT, "target/debug/alora-tray");
const BACKEND_BIN = process.env.ALORA_BACKEND_BIN ?? join(ROOT, "target/debug/alora-backend");
const SHOTS = join(HERE, "screenshots");
const TMP = join(HERE, ".tmp");
const USER = "u1";
const CONVERSATION = "c-e2e";
/** Generous: a debug build under Xvfb on 2 cores, and a reconnect backoff of up to ~16 s. */
const LONG = { timeout: 60_000 };
/** For a timeout's message: what the window shows. */
const SEEN = {
  seen: () =>
    session.execute(`return {
      link: document.querySelector('[data-testid="link-state"]')?.textContent,
      view: document.querySelector("main")?.dataset.view,
      messages: [...document.querySelectorAll('[data-testid="message"]')].map((m) => m.textContent),
      toasts: [...document.querySelectorAll(".toast")].map((t) => t.textContent),
    }`),
};
const LONG_SEEN = { ...LONG, ...SEEN };

function findDriver() {
  if (process.env.TAURI_DRIVER) return process.env.TAURI_DRIVER;
  const dirs = (process.env.PATH ?? "").split(delimiter);
  if (process.env.HOME) dirs.push(join(process.env.HOME, ".cargo/bin"));
  return dirs.map((d) => join(d, "tauri-driver")).find((p) => existsSync(p));
}

const DRIVER = findDriver();

let backend;
let app;
let session;
let port;
let secret;
let failed = false;

async function shot(name) {
  mkdirSync(SHOTS, { recursive: true });
  writeFileSync(join(SHOTS, `${name}.png`), await session.screenshot());
}

/** A flow: on failure, a screenshot of how the window looked is saved next to the others. */
function flow(name, shotName, fn) {
  test(name, { timeout: 180_000 }, async () => {
    try {
      await fn();
    } catch (e) {
      failed = true;
      await shot(`${shotName}-FAILED`).catch(() => {});
      throw e;
    }
  });
}

/** The status bar's words ("Live", "Reconnecting in 3 s", ...) as rendered. */
async function linkWords() {
  return session.text(await session.find('[data-testid="link-state"] .live-words'));
}

/** The history list as rendered: title and body of every item, newest first. */
function historyItems() {
  return session.execute(`
    return [...document.querySelectorAll('[data-testid="history-item"]')].map((li) => ({
      title: li.querySelector(".card-title")?.textContent ?? null,
      body: li.querySelector(".card-body")?.textContent ?? null,
      elements: [...li.querySelectorAll(".card-title *, .card-body *")].map((e) => e.tagName.toLowerCase()),
    }));
  `);
}

/** The open thread's messages as rendered: content and delivery label. */
function threadMessages() {
  return session.execute(`
    return [...document.querySelectorAll('[data-testid="message"]')].map((li) => ({
      content: li.querySelector(".msg-bubble")?.textContent ?? null,
      delivery: li.querySelector('[data-testid="delivery"]')?.textContent ?? null,
    }));
  `);
}

async function deliveryOf(content) {
  const found = (await threadMessages()).filter((m) => m.content === content);
  assert.ok(found.length <= 1, `one bubble for ${JSON.stringify(content)}, got ${JSON.stringify(found)}`);
  return found[0]?.delivery ?? null;
}

async function queueBadge() {
  const els = await session.findAll(".statusbar .badge-queue");
  return els.length ? session.text(els[0]) : null;
}

/** Closes every toast with its own button, so that a screenshot shows what lies under them. */
async function dismissToasts() {
  await waitFor("every toast dismissed", async () => {
    const buttons = await session.findAll('.toasts button[aria-label^="Dismiss: "]');
    if (buttons.length === 0) return true;
    await session.click(buttons[0]);
    return false;
  });
}

async function send(content) {
  const box = await session.waitForElement('textarea[placeholder="Write a message"]');
  await session.type(box, content);
  await session.click(await session.find('button[aria-label="Send message"]'));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

describe("alora-tray through tauri-driver and WebKitWebDriver", { concurrency: 1 }, () => {
  before(async () => {
    assert.ok(process.env.DISPLAY, "no DISPLAY: run under xvfb-run -a dbus-run-session (see run.sh)");
    assert.ok(process.env.DBUS_SESSION_BUS_ADDRESS, "no session bus: run under dbus-run-session (see run.sh)");
    assert.ok(DRIVER, "tauri-driver not found (cargo install --locked tauri-driver, or set TAURI_DRIVER)");
    for (const bin of [APP_BIN, BACKEND_BIN]) assert.ok(existsSync(bin), `${bin} is missing (cargo build)`);
    mkdirSync(TMP, { recursive: true });
    rmSync(SHOTS, { recursive: true, force: true });
    rmSync(join(TMP, "backend.log"), { force: true });
    port = await freePort();
    secret = randomBytes(24).toString("hex");
    backend = await BackendProcess.start({
      bin: BACKEND_BIN,
      port,
      secret,
      user: USER,
      log: join(TMP, "backend.log"),
    });
    // The token in a file only we can read: a command line is readable by
    // every user, and the app refuses --token.
    mkdirSync(TMP, { recursive: true });
    const tokenFile = join(TMP, "token");
    writeFileSync(tokenFile, `${backend.token}\n`, { mode: 0o600 });
    chmodSync(tokenFile, 0o600);
    app = await TrayApp.start({
      bin: APP_BIN,
      driver: DRIVER,
      args: ["--server-url", backend.url, "--token-file", tokenFile],
      name: "app",
      tmp: TMP,
    });
    session = app.session;
  });

  after(async () => {
    await app?.stop();
    await backend?.stop();
    if (failed && app) {
      const log = readFileSync(app.log, "utf8").split("\n").slice(-60).join("\n");
      console.error(`--- last lines of ${app.log} (kept) ---\n${log}`);
    } else {
      app?.cleanup();
    }
  });

  flow("shows Live once the link is up", "01-live", async () => {
    await waitFor('the status bar to say "Live"', async () => (await linkWords()) === "Live", LONG_SEEN);
    const tone = await session.execute(`return document.querySelector('[data-testid="link-state"]').className`);
    assert.match(tone, /\btone-live\b/);
    const accepted = await backend.waitForEvent("the backend to accept the app's handshake", (e) => e.kind === "accepted");
    assert.equal(accepted.userId, USER);
    await shot("01-live");
  });

  flow("shows a notification the server pushed", "02-notification", async () => {
    const title = "Booking request from Dana";
    const message = "Tomorrow 10:00, deep tissue massage (60 min)";
    await backend.push(USER, "newNotification", {
      id: "n-e2e-1",
      title,
      message,
      type: "booking",
      createdAt: new Date().toISOString(),
    });
    const item = await waitFor(
      "the notification in the history list",
      async () => (await historyItems()).find((h) => h.title === title),
      { ...LONG, seen: historyItems },
    );
    assert.equal(item.body, message);
    const unread = await session.text(await session.find('[data-testid="unread-count"]'));
    assert.equal(unread, "1 unread");
    const tab = await session.execute(`return document.getElementById("tab-notifications").getAttribute("aria-label")`);
    // The visible label first (axe: label-content-name-mismatch), then what it holds.
    assert.equal(tab, "Inbox (Notifications), 1 unread");
    await waitFor("a toast with the title", async () => {
      const titles = await session.execute(`return [...document.querySelectorAll(".toast .toast-title")].map((t) => t.textContent)`);
      return titles.includes(title);
    });
    await shot("02-notification");
  });

  flow("shows an HTML payload as text", "03-html-as-text", async () => {
    const title = "<b>bold</b><img src=x onerror=alert(1)>";
    const message = `<img src=x onerror="document.body.dataset.pwned='1'"><script>document.title='pwned'</script><i>italic</i>`;
    await backend.push(USER, "newNotification", {
      id: "n-e2e-html",
      title,
      message,
      createdAt: new Date().toISOString(),
    });
    const item = await waitFor(
      "the HTML notification in the history list",
      async () => (await historyItems()).find((h) => h.title === title),
      { ...LONG, seen: historyItems },
    );
    assert.equal(item.body, message, "the body is shown character for character");
    assert.deepEqual(item.elements, [], "no element was made from the payload");
    const visible = await session.text(await session.find('[data-testid="history-item"] .card-title'));
    assert.equal(visible, title, "the newest item shows the markup as text");
    assert.equal(await session.alertText(), null, "no alert opened");
    const page = await session.execute(`return { title: document.title, pwned: document.body.dataset.pwned ?? null,
      imgs: document.querySelectorAll("main img, .toasts img").length }`);
    assert.deepEqual(page, { title: "Alora", pwned: null, imgs: 0 });
    await shot("03-html-as-text");
  });

  flow("sends a message that the server receives", "04-message-sent", async () => {
    await session.click(await session.find("#tab-messages"));
    const id = await session.waitForElement('input[placeholder="Conversation id"]');
    await session.type(id, CONVERSATION);
    await session.click(await session.find('form[aria-label="Join a conversation"] button[type="submit"]'));
    // (WebKitWebDriver's Get Element Text says "" for this one-line heading, though it shows.)
    await waitFor(
      "the thread to open",
      async () =>
        (await session.execute(`return document.getElementById("h-thread")?.textContent ?? null`)) ===
        `Conversation ${CONVERSATION}`,
    );
    const join = await backend.waitForEvent(
      "joinConversation at the server",
      (e) => e.kind === "received" && e.event === "joinConversation",
    );
    assert.equal(join.payload.conversationId, CONVERSATION);

    const content = "Hello from WebDriver: see you at 10:00 ✓";
    await send(content);
    const got = await backend.waitForEvent(
      "sendMessage at the server",
      (e) => e.kind === "received" && e.event === "sendMessage",
      LONG,
    );
    assert.equal(got.payload.content, content);
    assert.equal(got.payload.conversationId, CONVERSATION);
    assert.match(got.payload.clientId, UUID);
    assert.equal(got.userId, USER);
    await waitFor(`"${content}" marked Sent`, async () => (await deliveryOf(content)) === "Sent", LONG_SEEN);
    assert.equal(backend.received("sendMessage").length, 1, "sent once");
    await dismissToasts();
    await shot("04-message-sent");
  });

  flow("queues a message while offline and sends it once the server is back", "05-offline", async () => {
    const stopped = await backend.stop();
    assert.equal(stopped.code, 0, "the backend stopped gracefully");
    await waitFor("the status bar to leave Live", async () => (await linkWords()) !== "Live", LONG_SEEN);
    assert.match(await linkWords(), /^(Reconnecting|Connecting|Offline)/);

    const content = "Written while the server was down";
    await send(content);
    await waitFor(`"${content}" shown as Pending`, async () => (await deliveryOf(content)) === "Pending", SEEN);
    await waitFor('the status bar to show "1 queued"', async () => (await queueBadge()) === "1 queued", LONG_SEEN);
    await dismissToasts();
    assert.equal(await deliveryOf(content), "Pending", "still pending: no server to take it");
    await shot("05-offline-pending");

    backend = await BackendProcess.start({ bin: BACKEND_BIN, port, secret, user: USER, log: join(TMP, "backend.log") });
    await waitFor('the status bar to say "Live" again', async () => (await linkWords()) === "Live", LONG_SEEN);
    const got = await backend.waitForEvent(
      "the queued sendMessage at the restarted server",
      (e) => e.kind === "received" && e.event === "sendMessage",
      LONG,
    );
    assert.equal(got.payload.content, content);
    assert.equal(got.payload.conversationId, CONVERSATION);
    assert.match(got.payload.clientId, UUID);
    await waitFor(`"${content}" marked Sent`, async () => (await deliveryOf(content)) === "Sent", LONG_SEEN);
    await waitFor("the queue badge to go", async () => (await queueBadge()) === null, SEEN);
    assert.deepEqual(
      backend.received("sendMessage").map((e) => e.payload.content),
      [content],
      "only the queued message was sent again",
    );
    const rejoined = backend.received("joinConversation").map((e) => e.payload.conversationId);
    assert.ok(rejoined.includes(CONVERSATION), `the conversation was joined again: ${JSON.stringify(rejoined)}`);
    await dismissToasts();
    await shot("06-back-online-sent");
  });
});
