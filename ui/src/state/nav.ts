// The window's own slices: where it is (the view, the conversation open in
// it, the item app://navigate or a toast asked to show) and its toasts.

import type { Action, Focus, MainView, Toast } from "./types";

export type NavSlice = {
  view: MainView;
  focus: Focus | null;
  openConversation: string | null;
};

export const initialNav: NavSlice = { view: "notifications", focus: null, openConversation: null };

export function nav(s: NavSlice, a: Action): NavSlice {
  switch (a.type) {
    case "setView":
      return { ...s, view: a.view };
    case "navigate":
      return {
        view: a.view,
        focus: { view: a.view, id: a.id, nonce: a.nonce },
        openConversation: a.view === "messages" && a.id ? a.id : s.openConversation,
      };
    case "openConversation":
      return { ...s, openConversation: a.id };
    default:
      return s;
  }
}

export type ToastsSlice = Toast[];

export const initialToasts: ToastsSlice = [];

const MAX_TOASTS = 3;

/** Toasts about a conversation are moot once it is on screen. */
function withoutToastsFor(toasts: Toast[], conversationId: string | null): Toast[] {
  if (!conversationId) return toasts;
  const left = toasts.filter((t) => !(t.target?.view === "messages" && t.target.id === conversationId));
  return left.length === toasts.length ? toasts : left;
}

export function toasts(s: ToastsSlice, a: Action): ToastsSlice {
  switch (a.type) {
    case "toast": {
      // the same message again replaces the old toast instead of stacking
      const t = a.toast;
      const others = s.filter((x) => !(x.kind === t.kind && x.title === t.title && x.body === t.body));
      return [...others, t].slice(-MAX_TOASTS);
    }
    case "dismissToast":
      return s.filter((t) => t.id !== a.id);
    case "navigate":
      return a.view === "messages" ? withoutToastsFor(s, a.id) : s;
    case "openConversation":
      return withoutToastsFor(s, a.id);
    default:
      return s;
  }
}
