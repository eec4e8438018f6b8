// The UI's state as one value made of slices, one per concern, and the one
// pure reducer that hands each action to every slice. A slice owns its part
// of the state; what it needs of another comes in a read-only Context built
// from the state before the action.

import { app, initialApp, type AppSlice } from "./app";
import { bookings, initialBookings, type BookingsSlice } from "./bookings";
import { chat, initialChat, type ChatSlice } from "./chat";
import { inbox, initialInbox, type InboxSlice } from "./inbox";
import { initialLink, link, type LinkSlice } from "./link";
import { initialNav, initialToasts, nav, toasts, type NavSlice, type ToastsSlice } from "./nav";
import { initialOutbox, outbox, type OutboxSlice } from "./outbox";
import { initialPeople, people, type PeopleSlice } from "./people";
import { initialSettings, settings, type SettingsSlice } from "./settings";
import type { Action, Context } from "./types";

export type State = {
  link: LinkSlice;
  app: AppSlice;
  settings: SettingsSlice;
  inbox: InboxSlice;
  outbox: OutboxSlice;
  chat: ChatSlice;
  bookings: BookingsSlice;
  people: PeopleSlice;
  nav: NavSlice;
  toasts: ToastsSlice;
};

export const initialState: State = {
  link: initialLink,
  app: initialApp,
  settings: initialSettings,
  inbox: initialInbox,
  outbox: initialOutbox,
  chat: initialChat,
  bookings: initialBookings,
  people: initialPeople,
  nav: initialNav,
  toasts: initialToasts,
};

function contextOf(s: State): Context {
  return {
    ownUser: s.app?.userId ?? s.settings?.userId ?? null,
    openConversation: s.nav.openConversation,
    view: s.nav.view,
  };
}

export function reducer(s: State, a: Action): State {
  // an item the history already holds changes nothing (nor seeds anything)
  if (a.type === "historyAdded" && s.inbox.history.some((h) => h.id === a.item.id)) return s;
  const ctx = contextOf(s);
  const next: State = {
    link: link(s.link, a),
    app: app(s.app, a),
    settings: settings(s.settings, a),
    inbox: inbox(s.inbox, a),
    outbox: outbox(s.outbox, a),
    chat: chat(s.chat, a, ctx),
    bookings: bookings(s.bookings, a),
    people: people(s.people, a),
    nav: nav(s.nav, a),
    toasts: toasts(s.toasts, a),
  };
  // nothing changed: the same state, so that nobody re-renders
  const keys = Object.keys(next) as (keyof State)[];
  return keys.every((k) => next[k] === s[k]) ? s : next;
}

export { linkErrorText } from "./link";
export { deliveryState } from "./outbox";
export { historyMatches, snoozedUntil, unreadHistory } from "./inbox";
export { findMessage, sortedConversations, TYPING_TTL_MS, unreadMessages } from "./chat";
export { sortedBookings } from "./bookings";
export { sortedPeople } from "./people";
export * from "./types";
