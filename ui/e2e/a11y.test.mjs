// axe-core (from node_modules, nothing downloaded) run against every view of
// the built UI, each with content in it, in Debian's Chromium. Any violation
// of any impact fails the test, and the message lists rule, impact and nodes.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { after, before, describe, it } from "node:test";
import { launch, startServer } from "./harness.mjs";

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

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

/** Some of everything, so that lists, cards, chips and threads are rendered. */
function seed() {
  __mock.incoming("newNotification", { id: "n1", title: "Welcome to Alora", message: "Your account is ready." });
  __mock.incoming("bookingUpdated", { bookingId: "b1", status: "pending", title: "Massage, 60 min", message: "Tomorrow 14:00" });
  __mock.incoming("bookingUpdated", { bookingId: "b2", status: "confirmed", title: "Haircut with Sam" });
  __mock.incoming("userOnline", { userId: "u2", name: "Ana Lima" });
  __mock.incoming("statusUpdated", { userId: "u2", status: "busy" });
  __mock.incoming("userOffline", { userId: "u3", name: "Ben" });
  __mock.incoming("newMessage", { id: "m1", conversationId: "c1", senderId: "u2", senderName: "Ana Lima", content: "Hi! Is 3 pm still fine?" });
  __mock.goOffline("connection refused", 60000);
  __mock.goLive();
}

async function openSeeded(t) {
  const page = await browser.context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console: ${m.text()}`);
  });
  await page.goto(server.url);
  await page.getByTestId("link-state").waitFor();
  await page.waitForFunction(() => window.__mock.listenerCount("app://navigate") > 0);
  await page.evaluate(seed);
  await page.getByTestId("history-item").nth(2).waitFor();
  // the toasts of the seed would cover the views (and are not what is checked here)
  await page.keyboard.press("Escape");
  await page.locator(".toast").first().waitFor({ state: "detached" });
  t.after(async () => {
    const csp = await page.evaluate(() => window.__cspViolations).catch(() => []);
    await page.close();
    assert.deepEqual(csp, [], "CSP violations");
    assert.deepEqual(problems, [], "page problems");
  });
  return page;
}

/** axe's violations on the page as it is, one line per rule. */
async function violations(page) {
  // evaluated through the DevTools protocol: the page's CSP does not apply to it
  await page.evaluate(AXE_SOURCE);
  const found = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(" ")) }));
  });
  return found.map((v) => `${v.id} (${v.impact}): ${v.nodes.join(", ")}`);
}

const VIEWS = [
  { tab: /Notifications/, ready: (p) => p.getByTestId("history-item").first() },
  { tab: /Bookings/, ready: (p) => p.getByTestId("booking").first() },
  { tab: /Messages/, ready: (p) => p.getByTestId("conversation").first() },
  { tab: /People/, ready: (p) => p.getByTestId("person").first() },
  { tab: /Settings/, ready: (p) => p.getByTestId("keyring").getByText(/system keyring/) },
  { tab: /Diagnostics/, ready: (p) => p.getByTestId("state-history").getByText(/connection refused/) },
];

describe("accessibility (axe-core)", () => {
  for (const v of VIEWS) {
    it(`${v.tab.source}: no violation`, async (t) => {
      const page = await openSeeded(t);
      await page.getByRole("tab", { name: v.tab }).click();
      await v.ready(page).waitFor();
      assert.deepEqual(await violations(page), []);
    });
  }

  it("toasts (an error and an item): no violation", async (t) => {
    const page = await openSeeded(t);
    await page.evaluate(() => {
      __mock.incoming("newNotification", { id: "n2", title: "Invoice ready", message: "March" });
      __mock.goOffline("connection reset", 60000);
    });
    await page.getByRole("alert").getByText("connection reset").waitFor();
    await page.locator(".toasts").getByText("Invoice ready").waitFor();
    assert.deepEqual(await violations(page), []);
  });

  it("a message thread: no violation", async (t) => {
    const page = await openSeeded(t);
    await page.getByRole("tab", { name: /Messages/ }).click();
    await page.getByTestId("conversation").click();
    await page.getByRole("log").getByText("Hi! Is 3 pm still fine?").waitFor();
    await page.getByRole("textbox", { name: "Message" }).fill("Yes, see you then");
    await page.getByRole("textbox", { name: "Message" }).press("Enter");
    await page.locator("[data-testid=message].own").getByText("Sent").waitFor();
    assert.deepEqual(await violations(page), []);
  });
});
