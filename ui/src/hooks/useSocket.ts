// Seed 003's `useSocket()` shape, served by the Rust link over Tauri IPC
// (the socket itself lives in the app now), plus seed 000's helpers.

import { useCallback, useMemo } from "react";
import { useAlora } from "../AloraProvider";
import * as api from "../api";
import type { ChatMessage, Delivery, NotificationData, OutboxEntry, UserStatus } from "../api";

export type SendMessageInput = { conversationId: string; content: string; clientId?: string };

export type UseSocket = {
  isConnected: boolean;
  lastMessage: ChatMessage | null;
  lastNotification: NotificationData | null;
  connectionError: string | null;
  /** Asks the app to connect with the stored settings and token. */
  initializeSocket: () => Promise<void>;
  sendMessage: {
    (conversationId: string, content: string, clientId?: string): Promise<Delivery | null>;
    (message: SendMessageInput): Promise<Delivery | null>;
  };
  joinConversation: (conversationId: string) => Promise<Delivery | null>;
  markAsRead: (conversationId: string, messageIds?: string[]) => Promise<Delivery | null>;
  /** Injects a `newMessage` as if the server sent it (dev and demo). */
  simulateReceiveMessage: (message: Partial<ChatMessage> & { conversationId: string | number; content: string }) => Promise<void>;
  /** True when the app runs its demo backend. */
  useMockSocket: boolean;
  /** What waits in the app's durable outbox. */
  offlineMessages: OutboxEntry[];
  // seed 000
  emit: (event: string, payload: object) => Promise<Delivery | null>;
  sendTyping: (p: { userId?: string; isTyping: boolean; conversationId?: string }) => Promise<Delivery | null>;
  updateStatus: (p: { status: UserStatus }) => Promise<Delivery | null>;
  sendBookingUpdate: (p: { bookingId: string; status: string }) => Promise<Delivery | null>;
};

export function useSocket(): UseSocket {
  const { state, actions } = useAlora();
  const { current: link, error: connectionError } = state.link;
  const { lastMessage } = state.chat;
  const { lastNotification } = state.inbox;
  const demo = state.app?.demo ?? false;
  const offlineMessages = state.outbox.entries;

  const sendMessage = useCallback(
    (a: string | SendMessageInput, content?: string, clientId?: string) => {
      const m = typeof a === "string" ? { conversationId: a, content: content ?? "", clientId } : a;
      return actions.sendChatMessage(String(m.conversationId), m.content, m.clientId);
    },
    [actions],
  ) as UseSocket["sendMessage"];

  const simulateReceiveMessage = useCallback<UseSocket["simulateReceiveMessage"]>(
    async (m) => {
      const payload = {
        id: m.id ?? `sim-${api.newClientId()}`,
        senderId: m.senderId ?? "demo-user",
        createdAt: m.createdAt ?? new Date().toISOString(),
        ...m,
      };
      try {
        await api.simulateIncoming("newMessage", payload);
      } catch (e) {
        actions.reportError(e, "Couldn't simulate a message");
      }
    },
    [actions],
  );

  const guarded = useCallback(
    <T,>(title: string, f: () => Promise<T>) =>
      f().catch((e: unknown) => {
        actions.reportError(e, title);
        return null;
      }),
    [actions],
  );

  return useMemo<UseSocket>(
    () => ({
      isConnected: link.kind === "connected",
      lastMessage,
      lastNotification,
      connectionError,
      initializeSocket: actions.connect,
      sendMessage,
      joinConversation: actions.joinConversation,
      markAsRead: actions.markAsRead,
      simulateReceiveMessage,
      useMockSocket: demo,
      offlineMessages,
      emit: (event, payload) => guarded("Couldn't send", () => api.emit(event, payload)),
      sendTyping: (p) => guarded("Couldn't send typing", () => api.sendTyping(p.isTyping, p.conversationId)),
      updateStatus: (p) => actions.setOwnStatus(p.status),
      sendBookingUpdate: (p) => actions.updateBooking(String(p.bookingId), p.status),
    }),
    [link.kind, lastMessage, lastNotification, connectionError, demo, offlineMessages, actions, sendMessage, simulateReceiveMessage, guarded],
  );
}
