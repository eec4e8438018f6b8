import type { LinkState } from "./api";

export type Tone = "live" | "busy" | "warn" | "off" | "auth";

/** The link state in words, as the status bar shows it. `now` is ms since the epoch. */
export function linkWords(s: LinkState, now: number): string {
  switch (s.kind) {
    case "connected":
      return "Live";
    case "connecting":
      return "Connecting";
    case "reconnecting": {
      const secs = secondsUntil(s.retryAt, now, s.nextInMs);
      return secs > 0 ? `Reconnecting in ${secs} s` : "Reconnecting";
    }
    case "authRequired":
      return "Sign-in needed";
    case "idle":
    case "stopped":
    default:
      return "Offline";
  }
}

export function linkTone(s: LinkState): Tone {
  switch (s.kind) {
    case "connected":
      return "live";
    case "connecting":
      return "busy";
    case "reconnecting":
      return "warn";
    case "authRequired":
      return "auth";
    default:
      return "off";
  }
}

/** Whole seconds until `retryAt` (rounded up); falls back to `nextInMs` if the time can't be parsed. */
export function secondsUntil(retryAt: string, now: number, fallbackMs = 0): number {
  const at = Date.parse(retryAt);
  const ms = Number.isFinite(at) ? at - now : fallbackMs;
  return Math.max(0, Math.ceil(ms / 1000));
}

/** A longer description of a state, for the diagnostics history. */
export function linkDetail(s: LinkState): string {
  switch (s.kind) {
    case "connecting":
      return `attempt ${s.attempt}`;
    case "connected":
      return `since ${formatTime(s.since)}`;
    case "reconnecting":
      return `attempt ${s.attempt} in ${Math.round(s.nextInMs / 100) / 10} s${s.reason ? ` — ${s.reason}` : ""}`;
    case "authRequired":
      return s.reason.kind === "rejected"
        ? `rejected: ${s.reason.message}`
        : s.reason.kind === "expired"
          ? "token expired"
          : "no token";
    default:
      return "";
  }
}

export function linkName(s: LinkState): string {
  switch (s.kind) {
    case "idle":
      return "Idle";
    case "connecting":
      return "Connecting";
    case "connected":
      return "Connected";
    case "reconnecting":
      return "Reconnecting";
    case "authRequired":
      return "Sign-in needed";
    case "stopped":
      return "Stopped";
    default:
      return "Unknown";
  }
}

// One formatter each for the page's life: toLocale*String with options
// builds a new ICU formatter on every call, for every row rendered.
let timeFormat: Intl.DateTimeFormat | undefined;
let dateTimeFormat: Intl.DateTimeFormat | undefined;
const clock = (d: Date) =>
  (timeFormat ??= new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" })).format(d);
const calendar = (d: Date) =>
  (dateTimeFormat ??= new Intl.DateTimeFormat(undefined, {
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
  })).format(d);

export function formatTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return clock(d);
}

export function formatDateTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const today = new Date();
  const sameDay =
    d.getFullYear() === today.getFullYear() && d.getMonth() === today.getMonth() && d.getDate() === today.getDate();
  return sameDay ? clock(d) : calendar(d);
}

export const EVENT_LABELS: Record<string, string> = {
  newNotification: "Notifications",
  bookingUpdated: "Bookings",
  newMessage: "Messages",
  userOnline: "Came online",
  userOffline: "Went offline",
  statusUpdated: "Status changes",
};

export function eventLabel(e: string): string {
  return EVENT_LABELS[e] ?? e;
}

export function capitalize(s: string): string {
  return s ? s[0].toUpperCase() + s.slice(1) : s;
}
