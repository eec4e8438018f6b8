import { describe, expect, it } from "vitest";
import { formatDateTime, formatTime, linkWords, secondsUntil } from "./format";

const t0 = Date.parse("2030-01-01T12:00:00.000Z");

describe("link state in words", () => {
  it("names every state", () => {
    expect(linkWords({ kind: "connected", since: "2030-01-01T11:00:00Z" }, t0)).toBe("Live");
    expect(linkWords({ kind: "connecting", attempt: 1 }, t0)).toBe("Connecting");
    expect(linkWords({ kind: "idle" }, t0)).toBe("Offline");
    expect(linkWords({ kind: "stopped" }, t0)).toBe("Offline");
    expect(linkWords({ kind: "authRequired", reason: { kind: "expired" } }, t0)).toBe("Sign-in needed");
    expect(linkWords({ kind: "authRequired", reason: { kind: "rejected", message: "jwt expired" } }, t0)).toBe(
      "Sign-in needed",
    );
  });

  it("counts down to retryAt", () => {
    const s = {
      kind: "reconnecting" as const,
      attempt: 2,
      nextInMs: 5000,
      retryAt: "2030-01-01T12:00:05.000Z",
      reason: "refused",
    };
    expect(linkWords(s, t0)).toBe("Reconnecting in 5 s");
    expect(linkWords(s, t0 + 1200)).toBe("Reconnecting in 4 s");
    expect(linkWords(s, t0 + 4500)).toBe("Reconnecting in 1 s");
    expect(linkWords(s, t0 + 5000)).toBe("Reconnecting");
    expect(linkWords(s, t0 + 9000)).toBe("Reconnecting");
  });

  it("falls back to nextInMs when retryAt is unreadable", () => {
    expect(secondsUntil("not a date", t0, 3000)).toBe(3);
  });
});

describe("times", () => {
  it("reads as the user's locale has it, today as a time and earlier days with the date", () => {
    const now = new Date();
    const earlier = new Date(now.getFullYear() - 1, 5, 3, 9, 7);
    const hm = { hour: "2-digit", minute: "2-digit" } as const;
    expect(formatTime(now.toISOString())).toBe(now.toLocaleTimeString(undefined, hm));
    expect(formatDateTime(now.toISOString())).toBe(now.toLocaleTimeString(undefined, hm));
    expect(formatDateTime(earlier.toISOString())).toBe(
      earlier.toLocaleString(undefined, { month: "short", day: "numeric", ...hm }),
    );
    expect(formatTime("not a date")).toBe("not a date");
  });
});
