// Owns every subscription to the app's events and the UI state derived from
// them. Views and the seed hooks read it through context.

import { createContext, useCallback, useContext, useEffect, useMemo, useReducer, useRef, useState, type ReactNode } from "react";
import * as api from "./api";
import { ApiError, type Delivery, type LinkState, type NavView, type Settings, type UserStatus } from "./api";
import { initialState, linkErrorText, reducer, type Action, type MainView, type State, type ThreadMessage, type Toast } from "./store";

export type Actions = {
  refreshSnapshot: () => Promise<void>;
  refreshHistory: () => Promise<void>;
  refreshOutbox: () => Promise<void>;
  connect: () => Promise<void>;
  reconnectNow: () => Promise<void>;
  disconnect: () => Promise<void>;
  sendChatMessage: (conversationId: string, content: string, clientId?: string) => Promise<Delivery | null>;
  retryMessage: (clientId: string) => Promise<void>;
  joinConversation: (conversationId: string) => Promise<Delivery | null>;
  markConversationRead: (conversationId: string) => Promise<void>;
  markAsRead: (conversationId: string, messageIds?: string[]) => Promise<Delivery | null>;
  setTyping: (conversationId: string, isTyping: boolean) => Promise<void>;
  updateBooking: (bookingId: string, status: string) => Promise<Delivery | null>;
  retryBooking: (bookingId: string) => Promise<void>;
  setOwnStatus: (status: UserStatus) => Promise<Delivery | null>;
  markHistoryRead: (ids: string[]) => Promise<void>;
  saveSettings: (patch: Partial<Settings>, done?: string) => Promise<boolean>;
  setDnd: (on: boolean) => Promise<void>;
  retryOutbox: (entryId: number) => Promise<void>;
  discardOutbox: (entryId: number) => Promise<void>;
  setView: (view: MainView) => void;
  navigate: (view: NavView, id: string | null) => void;
  openConversation: (id: string | null) => void;
  toast: (t: Omit<Toast, "id">) => void;
  dismissToast: (id: number) => void;
  reportError: (e: unknown, title?: string) => void;
};

export type AloraContextValue = { state: State; actions: Actions; windowFocused: boolean };

const AloraContext = createContext<AloraContextValue | null>(null);

export function useAlora(): AloraContextValue {
  const v = useContext(AloraContext);
  if (!v) throw new Error("useAlora must be used inside <AloraProvider>");
  return v;
}

function useWindowFocus(): boolean {
  const [focused, setFocused] = useState(() => (typeof document !== "undefined" ? document.hasFocus() : true));
  useEffect(() => {
    const on = () => setFocused(true);
    const off = () => setFocused(false);
    window.addEventListener("focus", on);
    window.addEventListener("blur", off);
    return () => {
      window.removeEventListener("focus", on);
      window.removeEventListener("blur", off);
    };
  }, []);
  return focused;
}

function errorMessage(e: unknown): string {
  return ApiError.from(e).message;
}

export function AloraProvider({ children, initial }: { children: ReactNode; initial?: Partial<State> }) {
  const [state, rawDispatch] = useReducer(reducer, { ...initialState, ...initial });
  const stateRef = useRef(state);
  stateRef.current = state;
  const dispatch = useCallback((a: Action) => {
    // keep the ref current between renders, so actions called back to back see it
    stateRef.current = reducer(stateRef.current, a);
    rawDispatch(a);
  }, []);
  const windowFocused = useWindowFocus();
  const focusedRef = useRef(windowFocused);
  focusedRef.current = windowFocused;

  const actions = useMemo<Actions>(() => {
    const toast = (t: Omit<Toast, "id">) => dispatch({ type: "toast", toast: t });
    const reportError = (e: unknown, title = "Something went wrong") =>
      toast({ kind: "error", title, body: errorMessage(e), target: null });

    const refreshSnapshot = async () => {
      try {
        dispatch({ type: "snapshot", snapshot: await api.getSnapshot() });
      } catch (e) {
        reportError(e, "Couldn't read the app state");
      }
    };
    const refreshHistory = async () => {
      try {
        dispatch({ type: "history", items: await api.listHistory({ limit: 500 }) });
      } catch (e) {
        reportError(e, "Couldn't load notifications");
      }
    };
    const refreshOutbox = async () => {
      try {
        dispatch({ type: "outbox", entries: await api.listOutbox() });
      } catch (e) {
        reportError(e, "Couldn't read the outbox");
      }
    };
    const wrap = (title: string, f: () => Promise<unknown>) => async () => {
      try {
        await f();
      } catch (e) {
        reportError(e, title);
      }
    };

    const sendChatMessage = async (conversationId: string, content: string, clientId = api.newClientId()) => {
      const own = stateRef.current.snapshot?.userId ?? stateRef.current.settings?.userId ?? "";
      const message: ThreadMessage = {
        key: clientId,
        id: null,
        clientId,
        conversationId,
        senderId: own,
        senderName: null,
        content,
        createdAt: new Date().toISOString(),
        own: true,
        delivery: "pending",
        entryId: null,
        error: null,
        readSent: true,
      };
      dispatch({ type: "messageQueued", message });
      try {
        const d = await api.sendMessage(conversationId, content, clientId);
        dispatch({ type: "delivery", delivery: { ...d, clientId: d.clientId ?? clientId } });
        return d;
      } catch (e) {
        dispatch({ type: "messageFailed", clientId, error: errorMessage(e) });
        return null;
      }
    };

    const findMessage = (clientId: string): ThreadMessage | undefined => {
      for (const c of Object.values(stateRef.current.conversations)) {
        const m = c.messages.find((x) => x.clientId === clientId);
        if (m) return m;
      }
      return undefined;
    };

    const retryMessage = async (clientId: string) => {
      const m = findMessage(clientId);
      if (!m) return;
      dispatch({ type: "messageRetrying", clientId });
      try {
        if (m.entryId !== null) {
          await api.retryOutbox(m.entryId);
        } else {
          // never reached the outbox: send again with the same clientId (the server drops duplicates)
          const d = await api.sendMessage(m.conversationId, m.content, clientId);
          dispatch({ type: "delivery", delivery: { ...d, clientId: d.clientId ?? clientId } });
        }
      } catch (e) {
        dispatch({ type: "messageFailed", clientId, error: errorMessage(e) });
      }
    };

    const joinConversation = async (conversationId: string) => {
      dispatch({ type: "joinRequested", conversationId, now: new Date().toISOString() });
      try {
        const d = await api.joinConversation(conversationId);
        dispatch({ type: "joinResult", conversationId, ok: d.outcome.kind !== "failed" });
        return d;
      } catch (e) {
        dispatch({ type: "joinResult", conversationId, ok: false });
        reportError(e, "Couldn't join the conversation");
        return null;
      }
    };

    const markAsRead = async (conversationId: string, messageIds?: string[]) => {
      try {
        return await api.markAsRead(conversationId, messageIds);
      } catch (e) {
        reportError(e, "Couldn't send the read receipt");
        return null;
      }
    };

    const markConversationRead = async (conversationId: string) => {
      const c = stateRef.current.conversations[conversationId];
      if (!c) return;
      const unread = c.messages.filter((m) => !m.own && !m.readSent);
      if (unread.length === 0 && c.unread === 0) return;
      dispatch({ type: "readSent", conversationId, messageKeys: unread.map((m) => m.key) });
      if (unread.length === 0) return;
      const ids = unread.map((m) => m.id).filter((x): x is string => !!x);
      await markAsRead(conversationId, ids.length ? ids : undefined);
    };

    const setTyping = async (conversationId: string, isTyping: boolean) => {
      try {
        await api.sendTyping(isTyping, conversationId);
      } catch {
        // a lost typing indicator is not worth a toast
      }
    };

    const updateBooking = async (bookingId: string, status: string) => {
      dispatch({ type: "bookingRequested", bookingId, status });
      try {
        const d = await api.sendBookingUpdate(bookingId, status);
        dispatch({ type: "bookingDelivery", bookingId, delivery: d });
        return d;
      } catch (e) {
        dispatch({ type: "bookingFailed", bookingId, error: errorMessage(e) });
        return null;
      }
    };

    const retryBooking = async (bookingId: string) => {
      const b = stateRef.current.bookings[bookingId];
      if (!b?.pending) return;
      if (b.pending.entryId !== null) {
        const entryId = b.pending.entryId;
        dispatch({ type: "bookingRequested", bookingId, status: b.pending.status });
        dispatch({
          type: "bookingDelivery",
          bookingId,
          delivery: { entryId, event: "bookingUpdate", clientId: null, outcome: { kind: "queued" } },
        });
        try {
          await api.retryOutbox(entryId);
        } catch (e) {
          dispatch({ type: "bookingFailed", bookingId, error: errorMessage(e) });
        }
      } else {
        await updateBooking(bookingId, b.pending.status);
      }
    };

    const setOwnStatus = async (status: UserStatus) => {
      const before = stateRef.current.snapshot?.status;
      dispatch({ type: "ownStatus", status });
      try {
        return await api.updateStatus(status);
      } catch (e) {
        if (before) dispatch({ type: "ownStatus", status: before });
        reportError(e, "Couldn't update your status");
        return null;
      }
    };

    const markHistoryRead = async (ids: string[]) => {
      dispatch({ type: "historyRead", ids });
      try {
        await api.markHistoryRead(ids);
      } catch (e) {
        reportError(e, "Couldn't mark as read");
        await refreshHistory();
      }
    };

    const saveSettings = async (patch: Partial<Settings>, done?: string) => {
      try {
        dispatch({ type: "settings", settings: await api.updateSettings(patch) });
        if (done) toast({ kind: "success", title: done, body: "", target: null });
        return true;
      } catch (e) {
        reportError(e, "Couldn't save the settings");
        return false;
      }
    };

    const setDnd = async (on: boolean) => {
      const before = stateRef.current.settings;
      if (before) dispatch({ type: "settings", settings: { ...before, dnd: on } });
      try {
        await api.setDnd(on);
      } catch (e) {
        if (before) dispatch({ type: "settings", settings: before });
        reportError(e, "Couldn't change Do not disturb");
      }
    };

    return {
      saveSettings,
      setDnd,
      refreshSnapshot,
      refreshHistory,
      refreshOutbox,
      connect: wrap("Couldn't connect", api.connect),
      reconnectNow: wrap("Couldn't reconnect", api.reconnectNow),
      disconnect: wrap("Couldn't disconnect", api.disconnect),
      sendChatMessage,
      retryMessage,
      joinConversation,
      markConversationRead,
      markAsRead,
      setTyping,
      updateBooking,
      retryBooking,
      setOwnStatus,
      markHistoryRead,
      retryOutbox: async (entryId: number) => {
        await wrap("Couldn't retry", () => api.retryOutbox(entryId))();
        await refreshOutbox();
      },
      discardOutbox: async (entryId: number) => {
        await wrap("Couldn't discard", () => api.discardOutbox(entryId))();
        await refreshOutbox();
      },
      setView: (view) => dispatch({ type: "setView", view }),
      navigate: (view, id) => dispatch({ type: "navigate", view, id }),
      openConversation: (id) => dispatch({ type: "openConversation", id }),
      toast,
      dismissToast: (id) => dispatch({ type: "dismissToast", id }),
      reportError,
    };
  }, [dispatch]);

  // ---------------------------------------------------------- subscriptions
  useEffect(() => {
    let lastLink: LinkState | null = null;
    const unsubscribe = api.subscribeAll(
      [
        api.onLinkState((s) => {
          const prev = lastLink ?? stateRef.current.link;
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
        }),
        api.onLinkEvent((incoming) => dispatch({ type: "incoming", incoming, now: new Date().toISOString() })),
        api.onLinkMalformed(() => dispatch({ type: "malformed" })),
        api.onOutboxChanged((counts) => {
          dispatch({ type: "outboxCounts", counts });
          void actions.refreshOutbox();
        }),
        api.onOutboxDelivery((delivery) => dispatch({ type: "delivery", delivery })),
        api.onHistoryAdded((item) => {
          dispatch({ type: "historyAdded", item });
          const s = stateRef.current;
          const openHere =
            item.target.view === "messages" &&
            s.view === "messages" &&
            s.openConversation === item.target.id &&
            focusedRef.current;
          if (!openHere) {
            actions.toast({ kind: "info", title: item.title, body: item.body, target: item.target });
          }
        }),
        api.onSettingsChanged((settings) => dispatch({ type: "settings", settings })),
        api.onNavigate((n) => dispatch({ type: "navigate", view: n.view, id: n.id })),
        api.onProblem((p) => actions.toast({ kind: "error", title: "Problem", body: p.message, target: null })),
      ],
      (e) => actions.reportError(e, "Couldn't listen to the app"),
    );
    void actions.refreshSnapshot();
    void (async () => {
      try {
        dispatch({ type: "settings", settings: await api.getSettings() });
      } catch (e) {
        actions.reportError(e, "Couldn't read the settings");
      }
    })();
    void actions.refreshHistory();
    void actions.refreshOutbox();
    return unsubscribe;
  }, [actions, dispatch]);

  // expire typing indicators whose "stop" never came
  const anyTyping = Object.values(state.conversations).some((c) => Object.keys(c.typing).length > 0);
  useEffect(() => {
    if (!anyTyping) return;
    const t = setInterval(() => dispatch({ type: "typingExpired", now: Date.now() }), 1000);
    return () => clearInterval(t);
  }, [anyTyping, dispatch]);

  // tell the app which conversation is on screen, so it skips its popups
  const focusTarget = state.view === "messages" && windowFocused ? state.openConversation : null;
  const sentFocus = useRef<string | null>(null);
  useEffect(() => {
    if (sentFocus.current === focusTarget) return;
    sentFocus.current = focusTarget;
    api.setFocus(focusTarget).catch(() => undefined);
  }, [focusTarget]);
  useEffect(
    () => () => {
      if (sentFocus.current !== null) api.setFocus(null).catch(() => undefined);
    },
    [],
  );

  const value = useMemo(() => ({ state, actions, windowFocused }), [state, actions, windowFocused]);
  return <AloraContext.Provider value={value}>{children}</AloraContext.Provider>;
}
