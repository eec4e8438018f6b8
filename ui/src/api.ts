// The one typed edge between the UI and the Rust app. It mirrors
// docs/IPC.md: a function per command and an `on…` helper per event.
// Nothing else in the UI imports `invoke` or `listen`.

import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";

export type { UnlistenFn };

// ---------------------------------------------------------------- types

export type AuthReason =
  | { kind: "missing" }
  | { kind: "expired" }
  | { kind: "rejected"; message: string };

export type LinkState =
  | { kind: "idle" }
  | { kind: "connecting"; attempt: number }
  | { kind: "connected"; since: string }
  | { kind: "reconnecting"; attempt: number; nextInMs: number; retryAt: string; reason: string }
  | { kind: "authRequired"; reason: AuthReason }
  | { kind: "stopped" };

export type LinkStats = {
  eventsIn: number;
  malformed: number;
  unknownEvents: number;
  connects: number;
  attempts: number;
  authRejections: number;
  eventsOut: number;
};

export type Outcome =
  | { kind: "queued" }
  | { kind: "sent" }
  | { kind: "written" }
  | { kind: "delivered"; proof: "laterAck" | "serverPing" }
  | { kind: "acked"; ack: unknown }
  | { kind: "failed"; reason: string }
  | { kind: "superseded" }
  | { kind: "dropped" }
  | { kind: "remembered" };

export type Delivery = {
  entryId: number | null;
  event: string;
  clientId: string | null;
  outcome: Outcome;
};

/** `storageFailed` (only present when true): the disk copy of the outbox is behind. */
export type OutboxCounts = { pending: number; failed: number; storageFailed?: boolean };

export type OutboxEntry = {
  id: number;
  outgoing: { event: string; payload: any };
  /** `written`: an event without an ack, written but not yet proven carried. */
  status: "pending" | "inFlight" | "written" | "failed";
  attempts: number;
  queuedAt: string;
  lastError: string | null;
};

/** Ids may arrive as numbers from a lenient backend; the UI treats them as strings. */
export type Id = string | number;

export type NotificationData = {
  id: Id;
  title: string;
  message: string;
  type?: string | null;
  createdAt: string;
  link?: string | null;
};
export type BookingUpdatedData = {
  bookingId: Id;
  status: string;
  title?: string | null;
  message?: string | null;
  updatedBy?: Id | null;
};
export type ChatMessage = {
  id: Id;
  conversationId: Id;
  senderId: Id;
  senderName?: string | null;
  content: string;
  createdAt: string;
  clientId?: string | null;
};
export type PresenceData = { userId: Id; name?: string | null };
export type StatusUpdatedData = { userId: Id; status: string };
export type UserTypingData = { userId: Id; isTyping: boolean; conversationId?: Id | null };
export type ConnectedData = { userId?: Id | null; socketId?: string | null };

export type Incoming =
  | { event: "connected"; data: ConnectedData }
  | { event: "newNotification"; data: NotificationData }
  | { event: "bookingUpdated"; data: BookingUpdatedData }
  | { event: "newMessage"; data: ChatMessage }
  | { event: "userOnline"; data: PresenceData }
  | { event: "userOffline"; data: PresenceData }
  | { event: "statusUpdated"; data: StatusUpdatedData }
  | { event: "userTyping"; data: UserTypingData };

export type IncomingEvent = Incoming["event"];

export type PayloadError = { event: string; reason: string };

export type UserStatus = "available" | "busy" | "away" | "offline";
export const USER_STATUSES: readonly UserStatus[] = ["available", "busy", "away", "offline"];

export type PopupKind = "newNotification" | "bookingUpdated" | "newMessage" | "userOnline" | "userOffline";
export const POPUP_KINDS: readonly PopupKind[] = [
  "newNotification",
  "bookingUpdated",
  "newMessage",
  "userOnline",
  "userOffline",
];

export type Settings = {
  serverUrl: string;
  socketPath: string;
  userId: string | null;
  popups: Record<PopupKind, boolean>;
  dnd: boolean;
  startAtLogin: boolean;
};

export type View = "notifications" | "bookings" | "messages" | "people";
export type NavView = View | "settings";

export type HistoryItem = {
  id: string;
  event: string;
  title: string;
  body: string;
  createdAt: string;
  read: boolean;
  link: string | null;
  target: { view: View; id: string | null };
};

export type Availability = "available" | "unavailable";
export type KeyringKind = "os" | "memoryOnly";

export type AppSnapshot = {
  link: LinkState;
  stats: LinkStats;
  outbox: OutboxCounts;
  demo: boolean;
  dnd: boolean;
  status: UserStatus;
  userId: string | null;
  signedIn: boolean;
  keyring: KeyringKind;
  notifier: Availability;
  unread: number;
  version: string;
};

export type StateChange = { at: string; state: LinkState };

export type Diagnostics = {
  stateHistory: StateChange[];
  stats: LinkStats;
  version: string;
  demo: boolean;
  notifier: Availability;
  keyring: KeyringKind;
};

export type Navigate = { view: NavView; id: string | null };
export type Problem = { code: string; message: string };

export type HistoryQuery = { query?: string; event?: string; unreadOnly?: boolean; limit?: number };

// ---------------------------------------------------------------- errors

/** A command's failure: the app's `{ code, message }`, or a transport problem. */
export class ApiError extends Error {
  readonly code: string;
  readonly command: string;

  constructor(code: string, message: string, command = "") {
    super(message);
    this.name = "ApiError";
    this.code = code;
    this.command = command;
  }

  static from(raw: unknown, command = ""): ApiError {
    if (raw instanceof ApiError) return raw;
    if (raw && typeof raw === "object") {
      const o = raw as { code?: unknown; message?: unknown };
      if (typeof o.code === "string" || typeof o.message === "string") {
        const message = typeof o.message === "string" ? o.message : String(o.code);
        return new ApiError(typeof o.code === "string" ? o.code : "unknown", message, command);
      }
      if (raw instanceof Error) return new ApiError("internal", raw.message, command);
    }
    if (typeof raw === "string") return new ApiError("unknown", raw, command);
    return new ApiError("unknown", "Unexpected error", command);
  }
}

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError;
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args ?? {});
  } catch (e) {
    throw ApiError.from(e, command);
  }
}

// ---------------------------------------------------------------- commands

export const getSnapshot = () => call<AppSnapshot>("get_snapshot");
export const connect = () => call<null>("connect");
export const disconnect = () => call<null>("disconnect");
export const reconnectNow = () => call<null>("reconnect_now");
/** Restarts the app out of the demo, onto the server saved in settings (the window closes and reopens). */
export const leaveDemo = () => call<null>("leave_demo");
export const signIn = (token: string) => call<null>("sign_in", { token });
export const signOut = () => call<null>("sign_out");
export const getSettings = () => call<Settings>("get_settings");
export const updateSettings = (patch: Partial<Settings>) => call<Settings>("update_settings", { patch });
export const setDnd = (on: boolean) => call<null>("set_dnd", { on });

export const sendTyping = (isTyping: boolean, conversationId?: string) =>
  call<Delivery>("send_typing", conversationId === undefined ? { isTyping } : { isTyping, conversationId });
export const updateStatus = (status: UserStatus) => call<Delivery>("update_status", { status });
export const sendBookingUpdate = (bookingId: string, status: string) =>
  call<Delivery>("send_booking_update", { bookingId, status });
export const sendMessage = (conversationId: string, content: string, clientId?: string) =>
  call<Delivery>(
    "send_message",
    clientId === undefined ? { conversationId, content } : { conversationId, content, clientId },
  );
export const joinConversation = (conversationId: string) =>
  call<Delivery>("join_conversation", { conversationId });
export const markAsRead = (conversationId: string, messageIds?: string[]) =>
  call<Delivery>("mark_as_read", messageIds === undefined ? { conversationId } : { conversationId, messageIds });
/** Only the protocol's client events are accepted by the app. */
export const emit = (event: string, payload: object) => call<Delivery>("emit", { event, payload });
/** As if the server sent it (dev and demo). */
export const simulateIncoming = (event: string, payload: object) =>
  call<null>("simulate_incoming", { event, payload });

export const listHistory = (q: HistoryQuery = {}) => {
  const args: Record<string, unknown> = {};
  if (q.query) args.query = q.query;
  if (q.event) args.event = q.event;
  if (q.unreadOnly) args.unreadOnly = true;
  if (q.limit !== undefined) args.limit = q.limit;
  return call<HistoryItem[]>("list_history", args);
};
/** An empty list marks everything read. Returns how many changed. */
export const markHistoryRead = (ids: string[]) => call<number>("mark_history_read", { ids });
export const listOutbox = () => call<OutboxEntry[]>("list_outbox");
export const retryOutbox = (entryId: number) => call<null>("retry_outbox", { entryId });
export const discardOutbox = (entryId: number) => call<null>("discard_outbox", { entryId });
export const getDiagnostics = () => call<Diagnostics>("get_diagnostics");
export const setFocus = (conversationId: string | null) => call<null>("set_focus", { conversationId });

// ---------------------------------------------------------------- events

export const EVENTS = {
  linkState: "link://state",
  linkEvent: "link://event",
  linkMalformed: "link://malformed",
  outboxChanged: "outbox://changed",
  outboxDelivery: "outbox://delivery",
  historyAdded: "history://added",
  settingsChanged: "settings://changed",
  navigate: "app://navigate",
  problem: "app://problem",
} as const;

function on<T>(event: string, handler: (payload: T) => void): Promise<UnlistenFn> {
  return listen<T>(event, (e) => handler(e.payload));
}

export const onLinkState = (h: (s: LinkState) => void) => on(EVENTS.linkState, h);
export const onLinkEvent = (h: (e: Incoming) => void) => on(EVENTS.linkEvent, h);
export const onLinkMalformed = (h: (e: PayloadError) => void) => on(EVENTS.linkMalformed, h);
export const onOutboxChanged = (h: (c: OutboxCounts) => void) => on(EVENTS.outboxChanged, h);
export const onOutboxDelivery = (h: (d: Delivery) => void) => on(EVENTS.outboxDelivery, h);
export const onHistoryAdded = (h: (i: HistoryItem) => void) => on(EVENTS.historyAdded, h);
export const onSettingsChanged = (h: (s: Settings) => void) => on(EVENTS.settingsChanged, h);
export const onNavigate = (h: (n: Navigate) => void) => on(EVENTS.navigate, h);
export const onProblem = (h: (p: Problem) => void) => on(EVENTS.problem, h);

/**
 * Subscribes to several events at once and returns one synchronous cleanup
 * that is safe to call before the subscriptions have resolved (React effects
 * unmount synchronously; `listen` resolves later).
 */
export function subscribeAll(subscriptions: Promise<UnlistenFn>[], onError?: (e: ApiError) => void): () => void {
  let closed = false;
  const unlisteners: UnlistenFn[] = [];
  for (const sub of subscriptions) {
    sub.then(
      (un) => {
        if (closed) void safeUnlisten(un);
        else unlisteners.push(un);
      },
      (e) => onError?.(ApiError.from(e, "listen")),
    );
  }
  return () => {
    closed = true;
    for (const un of unlisteners.splice(0)) void safeUnlisten(un);
  };
}

async function safeUnlisten(un: UnlistenFn) {
  try {
    await un();
  } catch {
    // the webview is going away; nothing to clean
  }
}

/** A message id for `send_message`, made in the UI so deliveries can be matched. */
export function newClientId(): string {
  const c = globalThis.crypto as Crypto | undefined;
  if (c && typeof c.randomUUID === "function") return c.randomUUID();
  const b = new Uint8Array(16);
  if (c && typeof c.getRandomValues === "function") c.getRandomValues(b);
  else for (let i = 0; i < 16; i++) b[i] = Math.floor(Math.random() * 256);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
