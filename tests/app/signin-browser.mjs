// The person at the browser, for tests/app/signin.rs: opens the authorize URL in Debian's
// headless Chromium (playwright-core from ui/node_modules; never a downloaded browser),
// signs in as the demo user (or presses Deny), follows the redirect to the app's loopback
// listener, and writes what it saw to $ALORA_SIGNIN_DIR/result-<pid>.json, with screenshots.
//
//   node signin-browser.mjs URL
//
// Before signing in it sends a forged callback (another `state`) from another tab.
// What to press is read from $ALORA_SIGNIN_DIR/action ("allow" or "deny") when it starts,
// so that one app run can be sent through several sign-ins.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const playwright = pathToFileURL(resolve(here, "../../ui/node_modules/playwright-core/index.mjs"));
const { chromium } = await import(playwright.href);

const url = process.argv[2];
const dir = process.env.ALORA_SIGNIN_DIR;
const browser = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const action = readFileSync(join(dir, "action"), "utf8").trim();
const run = `${process.pid}`;

const result = { action, url, steps: [] };
const save = () => writeFileSync(join(dir, `result-${run}.json`), JSON.stringify(result, null, 2));

const profile = mkdtempSync(join(tmpdir(), "alora-signin-"));
let context;
try {
  context = await chromium.launchPersistentContext(profile, {
    executablePath: browser,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    viewport: { width: 640, height: 480 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(url, { timeout: 10_000 });
  result.loginTitle = await page.title();
  result.steps.push("login page");
  if (action === "deny") {
    await page.screenshot({ path: join(dir, `login-${run}.png`) });
    await page.click("#deny");
  } else {
    // Another tab reaches the app's listener first with a forged answer: it is turned
    // away, and the listener stays for the real one.
    const forged = new URL(new URL(url).searchParams.get("redirect_uri"));
    forged.search = "?code=forged&state=not-the-one";
    const tab = await context.newPage();
    const answer = await tab.goto(forged.href, { timeout: 10_000 });
    result.forgedStatus = answer?.status();
    result.forgedText = await tab.innerText("body");
    await tab.close();
    await page.fill("#username", "demo");
    await page.fill("#password", "demo");
    await page.screenshot({ path: join(dir, `login-${run}.png`) });
    await page.click("#allow");
  }
  // The form posts to the backend, which redirects to http://127.0.0.1:<port>/callback.
  await page.waitForURL(/\/callback\?/, { timeout: 10_000 });
  await page.waitForLoadState("load");
  // The code is a one-time secret: only which parameters came back is kept.
  const final = new URL(page.url());
  result.finalPath = final.pathname;
  result.finalParams = [...final.searchParams.keys()];
  result.finalTitle = await page.title();
  result.finalText = await page.innerText("body");
  await page.screenshot({ path: join(dir, `done-${run}.png`) });
  result.steps.push("callback page");
} catch (e) {
  result.error = String(e?.stack ?? e);
} finally {
  save();
  await context?.close().catch(() => undefined);
  rmSync(profile, { recursive: true, force: true });
}
