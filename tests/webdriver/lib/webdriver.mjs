// A tiny W3C WebDriver client over Node's fetch: just what the suite uses.
// https://www.w3.org/TR/webdriver2/ — every answer is {"value": ...}; errors
// carry {"value": {"error", "message"}}.

const ELEMENT = "element-6066-11e4-a52e-4f735466cecf";

export class WebDriverError extends Error {
  constructor(code, message, status) {
    super(`${code}: ${message}`);
    this.code = code;
    this.status = status;
  }
}

/** No single command may hang the run: each gets this long (generous; not a timed assertion). */
const COMMAND_TIMEOUT_MS = 90_000;

async function call(base, method, path, body) {
  const res = await fetch(base + path, {
    method,
    signal: AbortSignal.timeout(COMMAND_TIMEOUT_MS),
    headers: body === undefined ? {} : { "content-type": "application/json; charset=utf-8" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    throw new WebDriverError("bad response", `${method} ${path} → ${res.status}: ${text.slice(0, 300)}`, res.status);
  }
  const value = json?.value;
  if (!res.ok || (value && typeof value === "object" && typeof value.error === "string")) {
    throw new WebDriverError(value?.error ?? `http ${res.status}`, value?.message ?? text.slice(0, 300), res.status);
  }
  return value;
}

/**
 * Polls `fn` until it returns a truthy value (returned), or throws after `timeout` ms
 * with `what` and what `seen()` (if given) says about the current state.
 */
export async function waitFor(what, fn, { timeout = 30_000, interval = 100, seen } = {}) {
  const until = Date.now() + timeout;
  let last;
  let lastError;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > until) {
      let state = lastError ? `last error: ${lastError.message}` : `last value: ${JSON.stringify(last)}`;
      if (seen) state += `; seen: ${JSON.stringify(await Promise.resolve().then(seen).catch((e) => e.message))}`;
      throw new Error(`timed out after ${timeout} ms waiting for ${what} (${state})`);
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}

export class Session {
  constructor(base, id) {
    this.base = base;
    this.id = id;
  }

  /** POST /session with these capabilities ({alwaysMatch: ...}). */
  static async create(base, alwaysMatch) {
    const value = await call(base, "POST", "/session", { capabilities: { alwaysMatch } });
    return new Session(base, value.sessionId);
  }

  cmd(method, path, body) {
    return call(this.base, method, `/session/${this.id}${path}`, body);
  }

  delete() {
    return call(this.base, "DELETE", `/session/${this.id}`);
  }

  /** Runs `script` (a function body) in the page with `args`; returns what it returns. */
  execute(script, ...args) {
    return this.cmd("POST", "/execute/sync", { script, args });
  }

  async find(css) {
    const v = await this.cmd("POST", "/element", { using: "css selector", value: css });
    return v[ELEMENT];
  }

  async findAll(css) {
    const v = await this.cmd("POST", "/elements", { using: "css selector", value: css });
    return v.map((e) => e[ELEMENT]);
  }

  /** Waits for `css` to match an element, then returns its id. */
  waitForElement(css, opts) {
    return waitFor(`an element matching ${css}`, () => this.find(css), opts);
  }

  /** A toast sliding in can cover the element for a moment, and a
   * booking request's popup (critical, kept until answered) lies over the
   * window's corner where the notification daemon shows it: tried again for
   * up to 3 s while the click is intercepted, then clicked through the DOM. */
  async click(element) {
    for (let tries = 1; ; tries++) {
      try {
        return await this.cmd("POST", `/element/${element}/click`, {});
      } catch (e) {
        if (e?.code !== "element click intercepted") throw e;
        if (tries >= 10) {
          console.error(`click intercepted 10 times, clicked through the DOM: ${e.message}`);
          return this.execute("arguments[0].click(); return null;", { [ELEMENT]: element });
        }
        await new Promise((r) => setTimeout(r, 300));
      }
    }
  }

  type(element, text) {
    return this.cmd("POST", `/element/${element}/value`, { text });
  }

  text(element) {
    return this.cmd("GET", `/element/${element}/text`);
  }

  /** The text of an open alert, or null when there is none. */
  async alertText() {
    try {
      return await this.cmd("GET", "/alert/text");
    } catch (e) {
      if (e instanceof WebDriverError && e.code === "no such alert") return null;
      throw e;
    }
  }

  /**
   * A PNG of the window, as a Buffer. WebKitGTK takes it after the page's next
   * paint, and an idle page (no compositing, nothing changing) never paints, so
   * the command would hang: an invisible 1-px element is changed every 50 ms
   * until the picture is taken, then removed.
   */
  async screenshot() {
    await this.execute(`
      const d = document.createElement("div");
      d.id = "__wd_paint";
      d.setAttribute("aria-hidden", "true");
      d.style.cssText = "position:fixed;left:0;top:0;width:1px;height:1px;pointer-events:none;opacity:0";
      document.body.append(d);
      let i = 0;
      window.__wdPaint = setInterval(() => { d.style.transform = "translateX(" + (i++ % 2) + "px)"; }, 50);
    `);
    try {
      return Buffer.from(await this.cmd("GET", "/screenshot"), "base64");
    } finally {
      await this.execute(`clearInterval(window.__wdPaint); document.getElementById("__wd_paint")?.remove();`);
    }
  }
}
