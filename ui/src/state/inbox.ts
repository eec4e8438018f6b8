// The inbox slice: the notification history (loaded, added to by
// history://added, marked read), whether it has loaded, the snoozes still to
// come back (app://snoozed), and the last newNotification of the live
// events; with the history's filters.

import type { HistoryItem, NotificationData, Snoozed, Target } from "../api";
import type { Action } from "./types";

export type InboxSlice = {
  history: HistoryItem[];
  loaded: boolean;
  lastNotification: NotificationData | null;
  /** Snoozed from a popup or the window, soonest first. */
  snoozed: Snoozed[];
};

export const initialInbox: InboxSlice = { history: [], loaded: false, lastNotification: null, snoozed: [] };

export function inbox(s: InboxSlice, a: Action): InboxSlice {
  switch (a.type) {
    case "history":
      return { ...s, history: a.items, loaded: true };
    case "historyAdded":
      if (s.history.some((h) => h.id === a.item.id)) return s;
      return { ...s, history: [a.item, ...s.history] };
    case "historyRead": {
      const all = a.ids.length === 0;
      const ids = new Set(a.ids);
      return { ...s, history: s.history.map((h) => (all || ids.has(h.id) ? { ...h, read: true } : h)) };
    }
    case "snoozed":
      return { ...s, snoozed: a.list };
    case "incoming":
      return a.incoming.event === "newNotification" ? { ...s, lastNotification: a.incoming.data } : s;
    default:
      return s;
  }
}

/** When the popup about `target` comes back from its snooze, if it is snoozed and still to come at `now`. */
export function snoozedUntil(s: InboxSlice, target: Target, now: number): string | null {
  const found = s.snoozed.find(
    (z) => z.target.view === target.view && z.target.id === target.id && Date.parse(z.until) > now,
  );
  return found?.until ?? null;
}

export function unreadHistory(s: InboxSlice): number {
  return s.history.filter((h) => !h.read).length;
}

export function historyMatches(item: HistoryItem, q: { query?: string; event?: string; unreadOnly?: boolean }): boolean {
  if (q.event && item.event !== q.event) return false;
  if (q.unreadOnly && item.read) return false;
  const needle = q.query?.trim().toLowerCase();
  if (needle) {
    const hay = `${item.title}\n${item.body}`.toLowerCase();
    if (!hay.includes(needle)) return false;
  }
  return true;
}
