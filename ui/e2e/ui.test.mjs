// Playwright (playwright-core + Debian's /usr/bin/chromium) against the BUILT
// UI, served with the app's CSP, with Tauri's IPC mocked in the page by
// e2e/mock-tauri.js. Run: npm run build && npm run e2e

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { launch, screenshotPath, startServer } from "./harness.mjs";

const XSS = "<img src=x onerror=alert(1)>";

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launch({ width: 400, height: 720 });
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/** A fresh page on the UI; fails the test on page errors, console errors and CSP violations. */
async function openUi(t) {
  const page = await browser.context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console: ${m.text()}`);
  });
  page.on("dialog", (d) => {
    problems.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  await page.goto(server.url);
  await page.getByTestId("link-state").waitFor();
  // every subscription is in place before the test drives events
  await page.waitForFunction(() => window.__mock.listenerCount("app://navigate") > 0);
  t.after(async () => {
    const csp = await page.evaluate(() => window.__cspViolations).catch(() => []);
    await page.close();
    assert.deepEqual(csp, [], "CSP violations");
    assert.deepEqual(problems, [], "page problems");
  });
  return page;
}

const mock = (page, fn, arg) => page.evaluate(fn, arg);
const tab = (page, name) => page.getByRole("tab", { name });

/**
 * Clicks a switch and waits until it shows `on`. Not Playwright's check():
 * that reads the state right after the click, and a controlled switch shows
 * the change only once the app has answered and the store has rendered (a
 * task later, frame-throttled), so check() could see the old state.
 */
async function flip(page, name, on) {
  const sw = page.getByRole("switch", { name });
  await sw.click();
  const deadline = Date.now() + 5000;
  while ((await sw.isChecked()) !== on) {
    if (Date.now() > deadline) throw new Error(`switch ${name} did not turn ${on ? "on" : "off"}`);
    await page.waitForTimeout(20);
  }
}

describe("Alora Tray UI (built, IPC mocked)", () => {
  it("status bar: Live, DEMO badge, reconnect countdown, toast, Reconnect button", async (t) => {
    const page = await openUi(t);
    const state = page.getByTestId("link-state");
    await assert.doesNotReject(state.getByText("Live", { exact: true }).waitFor());
    assert.equal(await page.getByText("DEMO", { exact: true }).isVisible(), true);
    await page.screenshot({ path: screenshotPath("status-live") });

    await mock(page, () => __mock.goOffline("connection refused", 9000));
    await state.getByText(/Reconnecting in \d s/).waitFor();
    const first = Number((await state.textContent()).match(/in (\d+) s/)[1]);
    assert.ok(first >= 7 && first <= 9, `countdown starts near 9 s, got ${first}`);
    await page.getByRole("alert").getByText("connection refused").waitFor();
    await page.waitForFunction((n) => {
      const m = document.querySelector("[data-testid=link-state]").textContent.match(/in (\d+) s/);
      return m && Number(m[1]) < n;
    }, first);
    await page.screenshot({ path: screenshotPath("status-reconnecting") });

    await page.getByRole("button", { name: /^Reconnect/ }).click();
    await state.getByText("Live", { exact: true }).waitFor();
    const calls = await mock(page, () => __mock.callsOf("reconnect_now"));
    assert.equal(calls.length, 1);

    await mock(page, () => __mock.setLink({ kind: "authRequired", reason: { kind: "rejected", message: "invalid token" } }));
    await state.getByText("Sign-in needed", { exact: true }).waitFor();
    await page.getByRole("button", { name: /^Sign in/ }).click();
    await page.getByRole("heading", { name: "Settings" }).waitFor();
  });

  it("notifications: arrive with a toast, HTML stays text, filter, search, mark read", async (t) => {
    const page = await openUi(t);
    await mock(page, (xss) => {
      __mock.incoming("newNotification", { id: "n1", title: "Welcome to Alora", message: "Your account is ready." });
      __mock.incoming("bookingUpdated", { bookingId: "b7", status: "confirmed", title: "Haircut with Sam", message: "Friday 10:00" });
      __mock.incoming("newNotification", { id: "n2", title: xss, message: `<script>alert(2)</script> ${xss}` });
    }, XSS);
    const items = page.getByTestId("history-item");
    await assert.doesNotReject(items.nth(2).waitFor());
    assert.equal(await items.count(), 3);
    // newest first, the payload as literal text
    assert.equal(await items.nth(0).locator(".card-title").textContent(), XSS);
    assert.equal(await page.locator("main img, .toasts img, main script").count(), 0);
    await page.locator(".toasts").getByText(XSS).first().waitFor();
    assert.equal(await page.getByTestId("unread-count").textContent(), "3 unread");
    await page.screenshot({ path: screenshotPath("notifications") });

    // Escape clears the toasts that sit over the list
    await page.keyboard.press("Escape");
    await page.locator(".toast").first().waitFor({ state: "detached" });
    await page.getByLabel("Filter by type").selectOption("bookingUpdated");
    assert.equal(await items.count(), 1);
    await page.getByLabel("Filter by type").selectOption("");
    await page.getByLabel("Search notifications").fill("welcome");
    assert.equal(await items.count(), 1);
    await page.getByLabel("Search notifications").fill("");
    await page.getByRole("button", { name: "Mark read: Welcome to Alora" }).click();
    // the store renders a task after the click (frame-throttled): wait for it
    await page.getByTestId("unread-count").filter({ hasText: /^2 unread$/ }).waitFor();
    await page.getByRole("button", { name: "Mark all read" }).click();
    // the store renders a task after the click (frame-throttled): wait for it
    await page.getByTestId("unread-count").filter({ hasText: /^0 unread$/ }).waitFor();
    const marks = await mock(page, () => __mock.callsOf("mark_history_read"));
    assert.deepEqual(marks, [{ ids: ["h1"] }, { ids: [] }]);
    assert.deepEqual(
      await mock(page, () => __mock.history.map((h) => h.read)),
      [true, true, true],
    );
  });

  it("notifications: an unread item is snoozed for an hour, and reading it ends the snooze", async (t) => {
    const page = await openUi(t);
    await mock(page, () => {
      __mock.incoming("newNotification", { id: "n5", title: "Invoice overdue", message: "Lea Novak, March" });
    });
    const card = page.getByTestId("history-item").filter({ hasText: "Invoice overdue" });
    await card.waitFor();
    await page.keyboard.press("Escape");
    await card.getByLabel("Snooze: Invoice overdue").selectOption("60");
    await card.getByTestId("snoozed").filter({ hasText: /^Snoozed until / }).waitFor();
    assert.equal(await card.getByLabel("Snooze: Invoice overdue").count(), 0);
    await page.screenshot({ path: screenshotPath("snoozed") });
    const id = await mock(page, () => __mock.history.find((h) => h.title === "Invoice overdue").id);
    assert.deepEqual(await mock(page, () => __mock.callsOf("snooze_history")), [{ id, minutes: 60 }]);
    await card.getByRole("button", { name: "Mark read: Invoice overdue" }).click();
    await card.getByTestId("snoozed").waitFor({ state: "detached" });
    assert.deepEqual(await mock(page, () => __mock.snoozed), []);
  });

  it("bookings: accepting a request shows pending until the echo", async (t) => {
    const page = await openUi(t);
    await mock(page, () => {
      __mock.echoDelayMs = 700;
      __mock.incoming("bookingUpdated", { bookingId: "b1", status: "pending", title: "Massage, 60 min", message: "Tomorrow 14:00 with Ana" });
      __mock.incoming("bookingUpdated", { bookingId: "b2", status: "confirmed", title: "Haircut with Sam", message: "Friday 10:00" });
      __mock.incoming("bookingUpdated", { bookingId: "b3", status: "cancelled", title: "Yoga class" });
    });
    await tab(page, /Bookings/).click();
    const card = page.getByTestId("booking").filter({ hasText: "Massage, 60 min" });
    await card.getByRole("button", { name: "Accept" }).click();
    await card.getByTestId("booking-pending").getByText(/Pending: Confirmed/).waitFor();
    await page.screenshot({ path: screenshotPath("bookings") });
    await card.getByTestId("booking-pending").waitFor({ state: "detached" });
    assert.equal(await card.getByTestId("booking-status").textContent(), "Confirmed");
    assert.deepEqual(await mock(page, () => __mock.callsOf("send_booking_update")), [{ bookingId: "b1", status: "confirmed" }]);
  });

  it("messages: join, typing, send offline → pending → sent, failed → retry, read receipts, focus", async (t) => {
    const page = await openUi(t);
    await mock(page, () => {
      __mock.incoming("userOnline", { userId: "u2", name: "Ana Lima" });
      __mock.incoming("newMessage", { id: "m1", conversationId: "c1", senderId: "u2", senderName: "Ana Lima", content: "Hi! Is 3 pm still fine?" });
      __mock.incoming("newMessage", { id: "m9", conversationId: "c2", senderId: "u3", senderName: "Ben", content: "Invoice attached" });
    });
    await tab(page, /Messages/).click();
    await page.getByTestId("conversation").first().waitFor();
    await page.screenshot({ path: screenshotPath("messages-list") });
    await page.getByTestId("conversation").filter({ hasText: "Ana Lima" }).click();
    await page.getByRole("log").getByText("Hi! Is 3 pm still fine?").waitFor();
    await page.waitForFunction(() => __mock.callsOf("mark_as_read").length === 1);
    assert.deepEqual(await mock(page, () => __mock.callsOf("mark_as_read")), [{ conversationId: "c1", messageIds: ["m1"] }]);
    assert.equal(await mock(page, () => __mock.focus), "c1");

    await page.getByRole("button", { name: "Join" }).click();
    await page.getByText("Joined").waitFor();

    // online: sent, then acked
    const box = page.getByRole("textbox", { name: "Message" });
    await box.fill("");
    await box.pressSequentially("Yes, see you then");
    await page.waitForFunction(() => __mock.callsOf("send_typing").length >= 1);
    await box.press("Enter");
    const own = page.locator("[data-testid=message].own");
    await own.nth(0).getByTestId("delivery").getByText("Sent").waitFor();

    // the other side types
    await mock(page, () => __mock.incoming("userTyping", { userId: "u2", isTyping: true, conversationId: "c1" }));
    await page.getByTestId("typing").getByText("Ana Lima is typing…").waitFor();

    // offline: queued as pending, then sent when the link is back
    await mock(page, () => __mock.goOffline("connection reset", 30000));
    await box.fill("Running 5 min late");
    await box.press("Enter");
    await own.nth(1).getByTestId("delivery").getByText("Pending").waitFor();
    await page.getByRole("button", { name: /outgoing event waiting/ }).waitFor();
    await page.screenshot({ path: screenshotPath("messages-thread") });
    await mock(page, () => __mock.goLive());
    await own.nth(1).getByTestId("delivery").getByText("Sent").waitFor();

    // failed, then retried
    await mock(page, () => __mock.goOffline("connection reset", 30000));
    await box.fill("Sorry, wrong chat");
    await box.press("Enter");
    await own.nth(2).getByTestId("delivery").getByText("Pending").waitFor();
    await mock(page, () => __mock.failQueued("no acknowledgement"));
    await own.nth(2).getByTestId("delivery").getByText(/Failed/).waitFor();
    await page.screenshot({ path: screenshotPath("messages-failed") });
    await mock(page, () => __mock.goLive());
    await own.nth(2).getByRole("button", { name: "Retry" }).click();
    await own.nth(2).getByTestId("delivery").getByText("Sent").waitFor();

    const sends = await mock(page, () => __mock.callsOf("send_message"));
    assert.equal(sends.length, 3);
    for (const s of sends) assert.match(s.clientId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const typing = await mock(page, () => __mock.callsOf("send_typing"));
    assert.deepEqual(typing[0], { isTyping: true, conversationId: "c1" });
    assert.ok(typing.some((x) => x.isTyping === false), "a typing stop was sent");
    assert.ok(typing.length < 10, `typing is debounced (${typing.length} calls)`);

    await page.getByRole("button", { name: "Back to conversations" }).click();
    await page.waitForFunction(() => __mock.focus === null);
  });

  it("people: presence and own status", async (t) => {
    const page = await openUi(t);
    await mock(page, () => {
      __mock.incoming("userOnline", { userId: "u2", name: "Ana Lima" });
      __mock.incoming("userOnline", { userId: "u3", name: "Ben Okafor" });
      __mock.incoming("statusUpdated", { userId: "u3", status: "busy" });
      __mock.incoming("userOnline", { userId: "u4", name: "Chloé Martin" });
      __mock.incoming("statusUpdated", { userId: "u4", status: "away" });
      __mock.incoming("userOffline", { userId: "u5", name: "Dmitri" });
    });
    await tab(page, /People/).click();
    await page.getByTestId("person").nth(3).waitFor();
    await page.getByText("Away", { exact: true }).click();
    await page.waitForFunction(() => __mock.callsOf("update_status").length === 1);
    assert.deepEqual(await mock(page, () => __mock.callsOf("update_status")), [{ status: "away" }]);
    assert.equal(await page.getByLabel("Away").isChecked(), true);
    await page.screenshot({ path: screenshotPath("people") });
  });

  it("settings: server, token sign-in, popups, DND, autostart, keyring", async (t) => {
    const page = await openUi(t);
    await tab(page, /Settings/).click();
    await page.getByRole("heading", { name: "Settings" }).waitFor();
    await page.getByTestId("keyring").getByText(/system keyring/).waitFor();
    await page.screenshot({ path: screenshotPath("settings"), fullPage: false });
    await page.locator("main.panel").evaluate((el) => el.scrollTo(0, el.scrollHeight));
    await page.screenshot({ path: screenshotPath("settings-bottom") });
    await page.getByLabel("Server URL").fill("https://alora.example.com");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByText("Advanced: paste an access token").click();
    await page.getByLabel("Access token").fill("eyJhbGciOi.test.token");
    await page.getByRole("button", { name: "Sign in" }).click();
    await flip(page, /Do not disturb/, true);
    await flip(page, "Popup for someone comes online", true);
    await flip(page, /Start at login/, true);
    await page.waitForFunction(() => __mock.callsOf("update_settings").length === 3);
    const upd = await mock(page, () => __mock.callsOf("update_settings"));
    assert.equal(upd[0].patch.serverUrl, "https://alora.example.com");
    assert.equal(upd[1].patch.popups.userOnline, true);
    assert.deepEqual(upd[2], { patch: { startAtLogin: true } });
    assert.deepEqual(await mock(page, () => __mock.callsOf("set_dnd")), [{ on: true }]);
    assert.deepEqual(await mock(page, () => __mock.callsOf("sign_in")), [{ token: "eyJhbGciOi.test.token" }]);
    assert.equal(await page.getByLabel("Access token").inputValue(), "");
  });

  it("settings: sounds per kind, quiet until tomorrow, minutes refused", async (t) => {
    const page = await openUi(t);
    await tab(page, /Settings/).click();
    await page.getByRole("heading", { name: "Settings" }).waitFor();
    await flip(page, "Sound for booking requests", false);
    await page.waitForFunction(() => __mock.callsOf("update_settings").length === 1);
    assert.deepEqual((await mock(page, () => __mock.callsOf("update_settings")))[0], {
      patch: { attention: { sounds: { bookingRequest: false } } },
    });
    await page.getByRole("button", { name: "Quiet until tomorrow" }).click();
    await page.getByTestId("dnd-state").getByText(/On until tomorrow at/).waitFor();
    await page.getByLabel("Minutes between re-alerts").fill("45");
    await page.getByLabel("Minutes between re-alerts").press("Enter");
    await page.getByTestId("attention-error").getByText("realertMinutes must be between 2 and 30").waitFor();
    await page.getByTestId("dnd-state").scrollIntoViewIfNeeded();
    await page.screenshot({ path: screenshotPath("settings-attention") });
    await page.getByRole("button", { name: "Resume now" }).click();
    await page.getByTestId("dnd-state").getByText("Off").waitFor();
    assert.deepEqual(await mock(page, () => __mock.callsOf("set_dnd")), [{ on: false }]);
  });

  it("account: sign in with the browser first, the paste field when the server has no endpoints", async (t) => {
    const page = await openUi(t);
    await mock(page, () => {
      __mock.signInBrowserError = { code: "sign_in_no_endpoints", message: "this server does not offer sign-in through the browser; paste an access token instead" };
    });
    await tab(page, /Settings/).click();
    await page.getByRole("heading", { name: "Settings" }).waitFor();
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByTestId("signed-in").getByText("Not signed in.").waitFor();
    const browser = page.getByRole("button", { name: "Sign in with your browser" });
    await browser.waitFor();
    assert.equal(await page.getByLabel("Access token").isVisible(), false);
    await page.screenshot({ path: screenshotPath("settings-sign-in") });
    await browser.click();
    await page.getByTestId("sign-in-note").getByText(/paste an access token below/).waitFor();
    assert.equal(await page.getByLabel("Access token").isVisible(), true);
    await mock(page, () => {
      __mock.signInBrowserError = null;
    });
    await browser.click();
    await page.getByTestId("signed-in").getByText(/^Signed in/).waitFor();
    assert.equal((await mock(page, () => __mock.callsOf("sign_in_browser"))).length, 2);
  });

  it("diagnostics: state history with reasons, counters, outbox, version", async (t) => {
    const page = await openUi(t);
    await mock(page, () => {
      __mock.goOffline("connection refused", 4000);
      __mock.goLive();
      __mock.goOffline("server closed the connection", 60000);
    });
    await tab(page, /Diagnostics/).click();
    await page.getByTestId("state-history").getByText(/server closed the connection/).waitFor();
    await page.getByRole("button", { name: /outgoing/ }).count();
    await page.getByRole("textbox", { name: "Message" }).count();
    assert.equal(await page.getByTestId("version").textContent(), "0.1.0-e2e");
    await page.getByTestId("decisions").getByText("Shown again: not answered yet").waitFor();
    await page.getByTestId("decisions").getByText("Held: quiet hours").waitFor();
    assert.equal(await page.getByTestId("desktop-dnd").textContent(), "off");
    await page.screenshot({ path: screenshotPath("diagnostics") });
    await page.locator("main.panel").evaluate((el) => el.scrollTo(0, el.scrollHeight));
    await page.screenshot({ path: screenshotPath("diagnostics-bottom") });
  });

  it("app://navigate switches view and opens the item", async (t) => {
    const page = await openUi(t);
    await mock(page, () =>
      __mock.incoming("newMessage", { id: "m5", conversationId: "c5", senderId: "u2", senderName: "Ana", content: "Ping" }),
    );
    await mock(page, () => __mock.emit("app://navigate", { view: "messages", id: "c5" }));
    await page.getByRole("log").getByText("Ping").waitFor();
    assert.equal(await tab(page, /Messages/).getAttribute("aria-selected"), "true");
    await mock(page, () => __mock.emit("app://navigate", { view: "settings", id: null }));
    await page.getByRole("heading", { name: "Settings" }).waitFor();
  });

  it("keyboard: tabs with arrow keys, focus visible", async (t) => {
    const page = await openUi(t);
    await tab(page, /Notifications/).focus();
    await page.keyboard.press("ArrowRight");
    await page.getByRole("heading", { name: "Bookings" }).waitFor();
    const focused = await page.evaluate(() => document.activeElement?.getAttribute("aria-label"));
    assert.equal(focused, "Bookings");
    await page.keyboard.press("End");
    await page.getByRole("heading", { name: "Diagnostics" }).waitFor();
  });

  it("wide window uses a sidebar", async (t) => {
    const page = await openUi(t);
    await page.setViewportSize({ width: 900, height: 600 });
    await mock(page, () => {
      __mock.incoming("newNotification", { id: "n1", title: "Welcome to Alora", message: "Your account is ready." });
      __mock.incoming("bookingUpdated", { bookingId: "b7", status: "confirmed", title: "Haircut with Sam", message: "Friday 10:00" });
    });
    await page.getByTestId("history-item").nth(1).waitFor();
    await page.screenshot({ path: screenshotPath("wide-notifications") });
    await page.emulateMedia({ colorScheme: "dark" });
    await page.setViewportSize({ width: 400, height: 720 });
    await mock(page, () => {
      __mock.incoming("newMessage", { id: "m1", conversationId: "c1", senderId: "u2", senderName: "Ana Lima", content: "Dark mode check" });
    });
    await tab(page, /Messages/).click();
    await page.getByTestId("conversation").click();
    await page.getByRole("textbox", { name: "Message" }).fill("Looks calm");
    await page.getByRole("textbox", { name: "Message" }).press("Enter");
    await page.locator("[data-testid=message].own").getByText("Sent").waitFor();
    await page.screenshot({ path: screenshotPath("dark-thread") });
  });
});
