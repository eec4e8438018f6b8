// The UI state's shared vocabulary: the records the slices keep (messages,
// conversations, bookings, people, toasts) and the one Action union they all
// reduce. Every slice imports from here; nothing here imports a slice.
//
// Reducers are pure: whatever is drawn from outside (a time, a toast id, a
// focus nonce) comes in with the action, stamped by the dispatch side
// (src/provider/).

import type {
  AppSnapshot,
  Delivery,
  HistoryItem,
  Incoming,
  LinkState,
  NavView,
  OutboxCounts,
  OutboxEntry,
  Settings,
  Snoozed,
  UserStatus,
} from "../api";

export type DeliveryState = "pending" | "sent" | "failed";

export type ThreadMessage = {
  /** Stable key for rendering: the clientId for our own, else the server id. */
  key: string;
  id: string | null;
  clientId: string | null;
  conversationId: string;
  senderId: string;
  senderName: string | null;
  content: string;
  createdAt: string;
  own: boolean;
  delivery: DeliveryState | null;
  entryId: number | null;
  error: string | null;
  readSent: boolean;
};

export type JoinState = "none" | "pending" | "joined" | "failed";

export type Conversation = {
  id: string;
  join: JoinState;
  title: string | null;
  preview: string | null;
  lastActivity: string;
  messages: ThreadMessage[];
  unread: number;
  /** userId → ms timestamp after which the indicator expires. */
  typing: Record<string, number>;
};

export type PendingBooking = {
  status: string;
  entryId: number | null;
  state: "pending" | "failed";
  error: string | null;
};

export type Booking = {
  bookingId: string;
  status: string | null;
  title: string | null;
  message: string | null;
  updatedBy: string | null;
  updatedAt: string;
  /** Increases with every update the UI sees: the list's order. */
  seq: number;
  pending: PendingBooking | null;
};

export type Person = {
  userId: string;
  name: string | null;
  online: boolean;
  status: string | null;
  lastSeen: string;
};

export type ToastKind = "info" | "error" | "success";
export type Toast = {
  id: number;
  kind: ToastKind;
  title: string;
  body: string;
  target: { view: NavView; id: string | null } | null;
};

export type Focus = { view: NavView; id: string | null; nonce: number };

export type MainView = NavView | "diagnostics";

/**
 * What the app's snapshot says about itself, less the link state and the
 * outbox counts: those have one home each (the link and outbox slices).
 */
export type AppFacts = Omit<AppSnapshot, "link" | "outbox">;

export type Action =
  | { type: "snapshot"; snapshot: AppSnapshot }
  | { type: "linkState"; state: LinkState }
  | { type: "settings"; settings: Settings }
  | { type: "history"; items: HistoryItem[] }
  | { type: "historyAdded"; item: HistoryItem }
  | { type: "historyRead"; ids: string[] }
  | { type: "snoozed"; list: Snoozed[] }
  | { type: "outbox"; entries: OutboxEntry[] }
  | { type: "outboxCounts"; counts: OutboxCounts }
  | { type: "incoming"; incoming: Incoming; now: string }
  | { type: "malformed" }
  | { type: "delivery"; delivery: Delivery }
  | { type: "messageQueued"; message: ThreadMessage }
  | { type: "messageFailed"; clientId: string; error: string }
  | { type: "messageRetrying"; clientId: string }
  | { type: "bookingRequested"; bookingId: string; status: string; now: string }
  | { type: "bookingDelivery"; bookingId: string; delivery: Delivery }
  | { type: "bookingFailed"; bookingId: string; error: string }
  | { type: "joinRequested"; conversationId: string; now: string }
  | { type: "joinResult"; conversationId: string; ok: boolean }
  | { type: "readSent"; conversationId: string; messageKeys: string[] }
  | { type: "typingExpired"; now: number }
  | { type: "ownStatus"; status: UserStatus }
  | { type: "toast"; toast: Toast }
  | { type: "dismissToast"; id: number }
  | { type: "setView"; view: MainView }
  | { type: "navigate"; view: NavView; id: string | null; nonce: number }
  | { type: "openConversation"; id: string | null; now: string };

/** Read-only facts of other slices that a slice's reducer needs (as they were before the action). */
export type Context = {
  /** Our own user id: the snapshot's, else the settings'. */
  ownUser: string | null;
  /** The conversation on screen, if the messages view shows one. */
  openConversation: string | null;
  view: MainView;
};

export const str = (v: unknown): string => (v === null || v === undefined ? "" : String(v));
export const optStr = (v: unknown): string | null => (v === null || v === undefined || v === "" ? null : String(v));

export function isUserStatus(s: string): s is UserStatus {
  return s === "available" || s === "busy" || s === "away" || s === "offline";
}
