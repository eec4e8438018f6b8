import { describe, expect, it } from "vitest";
import type { Settings } from "./api";
import { dndWords, formatDateTime, formatTime, formatUntil, kindLabel, linkWords, secondsUntil, WHY_TEXT, whyText } from "./format";

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

describe("attention words", () => {
  const s = (over: Partial<Settings> = {}, until: string | null = null): Settings => ({
    serverUrl: "",
    socketPath: "",
    userId: null,
    popups: { bookingRequest: true, newNotification: true, bookingUpdated: true, newMessage: true, userOnline: false, userOffline: false },
    dnd: false,
    startAtLogin: false,
    caCert: null,
    signInTimeoutSecs: 300,
    attention: {
      sounds: { bookingRequest: true, newNotification: false, bookingUpdated: false, newMessage: true, userOnline: false, userOffline: false },
      realert: true,
      realertMinutes: 5,
      quietHours: { enabled: false, from: "19:00", to: "08:00" },
      urgentBypass: false,
      dndUntil: until,
      offlineAlarm: true,
      offlineGraceMinutes: 2,
    },
    ...over,
  });

  it("names Do Not Disturb: on, until a time still ahead, or off", () => {
    const now = new Date(2030, 0, 1, 21, 0).getTime();
    const tomorrow8 = new Date(2030, 0, 2, 8, 0);
    const hm = { hour: "2-digit", minute: "2-digit" } as const;
    expect(dndWords(s({ dnd: true }), now)).toBe("On");
    expect(dndWords(s({}, tomorrow8.toISOString()), now)).toBe(`On until tomorrow at ${tomorrow8.toLocaleTimeString(undefined, hm)}`);
    const later = new Date(2030, 0, 1, 23, 30);
    expect(dndWords(s({}, later.toISOString()), now)).toBe(`On until ${later.toLocaleTimeString(undefined, hm)}`);
    expect(dndWords(s({}, new Date(now - 1000).toISOString()), now)).toBe("Off");
    expect(dndWords(s(), now)).toBe("Off");
    const later5 = new Date(2030, 0, 5, 8, 0);
    expect(formatUntil(later5.toISOString(), now)).toBe(later5.toLocaleString(undefined, { month: "short", day: "numeric", ...hm }));
  });

  it("has a label for every popup kind and a reason for every why", () => {
    expect(kindLabel("bookingRequest")).toBe("Booking requests");
    expect(whyText("quietHours")).toBe("Held: quiet hours");
    expect(whyText("desktopDoNotDisturb")).toBe("Held: the desktop's Do Not Disturb");
    for (const text of Object.values(WHY_TEXT)) expect(text).toMatch(/^(Shown|Held)/);
  });
});
