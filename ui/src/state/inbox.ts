// The inbox slice: the notification history (loaded, added to by
// history://added, marked read), whether it has loaded, and the last
// newNotification of the live events; with the history's filters.

import type { HistoryItem, NotificationData } from "../api";
import type { Action } from "./types";

export type InboxSlice = {
  history: HistoryItem[];
  loaded: boolean;
  lastNotification: NotificationData | null;
};

export const initialInbox: InboxSlice = { history: [], loaded: false, lastNotification: null };

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
    case "incoming":
      return a.incoming.event === "newNotification" ? { ...s, lastNotification: a.incoming.data } : s;
    default:
      return s;
  }
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
