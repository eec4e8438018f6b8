import type { LinkState, PopupKind, Settings, Why } from "./api";

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

/** When `until` (ISO) is: a time today, "tomorrow at" a time, or a date and time. */
export function formatUntil(iso: string, now: number = Date.now()): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const day = (t: Date) => new Date(t.getFullYear(), t.getMonth(), t.getDate()).getTime();
  const today = day(new Date(now));
  const tomorrow = day(new Date(today + 36 * 3600 * 1000));
  if (day(d) === today) return clock(d);
  if (day(d) === tomorrow) return `tomorrow at ${clock(d)}`;
  return calendar(d);
}

/** The end of Alora's Do Not Disturb "until", when it is still ahead of `now`. */
export function dndUntil(settings: Settings, now: number = Date.now()): string | null {
  const until = settings.attention?.dndUntil ?? null;
  if (!until) return null;
  const at = Date.parse(until);
  return Number.isFinite(at) && at > now ? until : null;
}

/** Alora's own Do Not Disturb in words: off, on, or on until a time. */
export function dndWords(settings: Settings, now: number = Date.now()): string {
  if (settings.dnd) return "On";
  const until = dndUntil(settings, now);
  return until ? `On until ${formatUntil(until, now)}` : "Off";
}

/** The popup kinds, as Settings names them (one popup and one sound preference each). */
export const KIND_LABELS: Record<PopupKind, string> = {
  bookingRequest: "Booking requests",
  newNotification: "New notifications",
  bookingUpdated: "Booking updates",
  newMessage: "New messages",
  userOnline: "Someone comes online",
  userOffline: "Someone goes offline",
};

export function kindLabel(k: PopupKind): string {
  return KIND_LABELS[k] ?? k;
}

/** Why a popup was shown or held back, as Diagnostics tells it. */
export const WHY_TEXT: Record<Why, string> = {
  shown: "Shown",
  inPlace: "Shown in place of the popup about the same item",
  bypass: "Shown through quiet time (urgent)",
  realert: "Shown again: not answered yet",
  snoozed: "Shown again: back from snooze",
  summary: "Shown: one summary for popups held back",
  alarm: "Shown: an alarm (offline, or sign in again)",
  doNotDisturb: "Held: Do Not Disturb",
  doNotDisturbUntil: "Held: Do Not Disturb until tomorrow",
  quietHours: "Held: quiet hours",
  desktopDoNotDisturb: "Held: the desktop's Do Not Disturb",
  kindOff: "Held: this kind is off in Settings",
  coalesced: "Held: part of a burst (in its summary)",
  focused: "Held: its conversation is open in the window",
  ownEcho: "Held: your own action, echoed back",
  duplicate: "Held: shown already (a re-delivery)",
};

export function whyText(why: Why): string {
  return WHY_TEXT[why] ?? why;
}

/** History items' event names (the Notifications filter lists these). Popup kinds are KIND_LABELS. */
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
