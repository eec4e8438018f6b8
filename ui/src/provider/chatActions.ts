// The dispatch side of the chat and bookings slices: sending, retrying,
// joining, read receipts, typing, booking updates. Each calls the app's
// command and dispatches what the UI shows meanwhile and after.

import * as api from "../api";
import { ApiError, type Delivery } from "../api";
import { findMessage, type ThreadMessage } from "../state";
import type { Stamps, Store } from "./store";

export type ChatActions = {
  sendChatMessage: (conversationId: string, content: string, clientId?: string) => Promise<Delivery | null>;
  retryMessage: (clientId: string) => Promise<void>;
  joinConversation: (conversationId: string) => Promise<Delivery | null>;
  markConversationRead: (conversationId: string) => Promise<void>;
  markAsRead: (conversationId: string, messageIds?: string[]) => Promise<Delivery | null>;
  setTyping: (conversationId: string, isTyping: boolean) => Promise<void>;
  updateBooking: (bookingId: string, status: string) => Promise<Delivery | null>;
  retryBooking: (bookingId: string) => Promise<void>;
};

const errorMessage = (e: unknown) => ApiError.from(e).message;

/** A message of ours as the thread shows it before the server has it. */
export function ownMessage(
  state: ReturnType<Store["getState"]>,
  conversationId: string,
  content: string,
  clientId: string,
  now: string,
): ThreadMessage {
  return {
    key: clientId,
    id: null,
    clientId,
    conversationId,
    senderId: state.app?.userId ?? state.settings?.userId ?? "",
    senderName: null,
    content,
    createdAt: now,
    own: true,
    delivery: "pending",
    entryId: null,
    error: null,
    readSent: true,
  };
}

export function chatActions(
  { getState, dispatch }: Store,
  stamps: Stamps,
  reportError: (e: unknown, title?: string) => void,
): ChatActions {
  const sendChatMessage = async (conversationId: string, content: string, clientId = api.newClientId()) => {
    const message = ownMessage(getState(), conversationId, content, clientId, stamps.now());
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

  const retryMessage = async (clientId: string) => {
    const m = findMessage(getState().chat, clientId);
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
    dispatch({ type: "joinRequested", conversationId, now: stamps.now() });
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
    const c = getState().chat.conversations[conversationId];
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
    dispatch({ type: "bookingRequested", bookingId, status, now: stamps.now() });
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
    const b = getState().bookings.byId[bookingId];
    if (!b?.pending) return;
    if (b.pending.entryId === null) {
      await updateBooking(bookingId, b.pending.status);
      return;
    }
    const entryId = b.pending.entryId;
    dispatch({ type: "bookingRequested", bookingId, status: b.pending.status, now: stamps.now() });
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
  };

  return {
    sendChatMessage,
    retryMessage,
    joinConversation,
    markConversationRead,
    markAsRead,
    setTyping,
    updateBooking,
    retryBooking,
  };
}
