// Every subscription to the app's events, turned into actions (stamped with
// the time they arrived), plus the toasts some of them raise; and the first
// loads. Returns the one synchronous cleanup.

import * as api from "../api";
import type { LinkState } from "../api";
import { linkErrorText } from "../state";
import type { Actions } from "./actions";
import { ownMessage } from "./chatActions";
import type { Stamps, Store } from "./store";

export function subscribeToApp(
  { getState, dispatch }: Store,
  stamps: Stamps,
  actions: Actions,
  windowFocused: () => boolean,
): () => void {
  let lastLink: LinkState | null = null;
  const onLinkState = (s: LinkState) => {
    const prev = lastLink ?? getState().link.current;
    lastLink = s;
    dispatch({ type: "linkState", state: s });
    const text = linkErrorText(s);
    const sameTrouble =
      prev.kind === s.kind && (s.kind !== "reconnecting" || (prev.kind === "reconnecting" && prev.reason === s.reason));
    if (text && !sameTrouble) {
      actions.toast({
        kind: "error",
        title: s.kind === "authRequired" ? "Sign-in needed" : "Connection lost",
        body: text,
        target: s.kind === "authRequired" ? { view: "settings", id: null } : null,
      });
    }
    if (s.kind === "connected" || s.kind === "authRequired") void actions.refreshSnapshot();
  };

  const unsubscribe = api.subscribeAll(
    [
      api.onLinkState(onLinkState),
      api.onLinkEvent((incoming) => dispatch({ type: "incoming", incoming, now: stamps.now() })),
      api.onLinkMalformed(() => dispatch({ type: "malformed" })),
      api.onOutboxChanged((counts) => {
        dispatch({ type: "outboxCounts", counts });
        void actions.refreshOutbox();
      }),
      api.onOutboxDelivery((delivery) => dispatch({ type: "delivery", delivery })),
      api.onHistoryAdded((item) => {
        dispatch({ type: "historyAdded", item });
        const { nav } = getState();
        const openHere =
          item.target.view === "messages" &&
          nav.view === "messages" &&
          nav.openConversation === item.target.id &&
          windowFocused();
        if (!openHere) actions.toast({ kind: "info", title: item.title, body: item.body, target: item.target });
      }),
      api.onSettingsChanged((settings) => dispatch({ type: "settings", settings })),
      api.onSnoozed((list) => dispatch({ type: "snoozed", list })),
      api.onNavigate((n) => actions.navigate(n.view, n.id)),
      api.onProblem((p) => actions.toast({ kind: "error", title: "Problem", body: p.message, target: null })),
      // A popup's button did what the window's would have: show it the same way.
      api.onSentFromPopup((sent) => {
        const now = stamps.now();
        if (sent.kind === "bookingAnswer") {
          const { bookingId } = sent;
          dispatch({ type: "bookingRequested", bookingId, status: sent.status, now });
          if (sent.delivery) dispatch({ type: "bookingDelivery", bookingId, delivery: sent.delivery });
          else dispatch({ type: "bookingFailed", bookingId, error: sent.error ?? "not sent" });
          return;
        }
        const clientId = sent.delivery.clientId;
        if (!clientId) return;
        dispatch({ type: "messageQueued", message: ownMessage(getState(), sent.conversationId, sent.content, clientId, now) });
        dispatch({ type: "delivery", delivery: sent.delivery });
      }),
    ],
    (e) => actions.reportError(e, "Couldn't listen to the app"),
  );
  void actions.refreshSnapshot();
  void actions.refreshSettings();
  void actions.refreshHistory();
  void actions.refreshSnoozed();
  void actions.refreshOutbox();
  return unsubscribe;
}
