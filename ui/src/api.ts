// The one typed edge between the UI and the Rust app (docs/IPC.md): a
// function per command and an `on…` helper per event, typed by the generated
// contract (ui/src/contract/). Nothing else in the UI imports `invoke` or `listen`.

import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import {
  EVENTS as CONTRACT_EVENTS,
  POPUP_KINDS as CONTRACT_POPUP_KINDS,
  USER_STATUSES as CONTRACT_USER_STATUSES,
  type CommandName,
  type Commands,
  type EventPayloads,
} from "./contract/ipc";
import type {
  AppSnapshot,
  AttentionPatch,
  AttentionPrefs,
  AuthReason,
  BookingUpdated,
  ChatMessage,
  ConnectedAck,
  Decision,
  Delivery,
  Diagnostics,
  HistoryItem,
  Id,
  Incoming,
  JsonValue,
  KeyringMode,
  LinkState,
  LinkStats,
  Notification,
  NotificationServer,
  NotifierStatus,
  OutboxCounts,
  OutboxEntry,
  Outcome,
  PayloadError,
  PopupKind,
  Presence,
  Problem,
  QuietHours,
  SentFromPopup,
  Settings,
  SettingsPatch,
  Snoozed,
  SoundPrefs,
  StateChange,
  StatusUpdated,
  Target,
  TypingIndicator,
  UserStatus,
  View,
  Why,
} from "./contract/types";

export type { UnlistenFn };

// ---------------------------------------------------------------- types

// The contract's types are generated from the Rust ones (ui/src/contract/,
// `make contract`, docs/IPC.md); this file only names them the way the views do.
export type {
  AppSnapshot,
  AttentionPatch,
  AttentionPrefs,
  AuthReason,
  ChatMessage,
  Decision,
  Delivery,
  Diagnostics,
  HistoryItem,
  Id,
  Incoming,
  LinkState,
  LinkStats,
  NotificationServer,
  OutboxCounts,
  OutboxEntry,
  Outcome,
  PayloadError,
  PopupKind,
  Problem,
  QuietHours,
  SentFromPopup,
  Settings,
  SettingsPatch,
  Snoozed,
  SoundPrefs,
  StateChange,
  Target,
  UserStatus,
  View,
  Why,
};
export type { Commands, CommandName, EventPayloads } from "./contract/ipc";

export type NotificationData = Notification;
export type BookingUpdatedData = BookingUpdated;
export type PresenceData = Presence;
export type StatusUpdatedData = StatusUpdated;
export type UserTypingData = TypingIndicator;
export type ConnectedData = ConnectedAck;
export type IncomingEvent = Incoming["event"];
export type Availability = NotifierStatus;
export type KeyringKind = KeyringMode;
/** Where the window can lead: the app's `View`, settings among them. */
export type NavView = View;
/** The payload of `app://navigate`. */
export type Navigate = Target;
/** `list_history`'s arguments, each optional. */
export type HistoryQuery = Commands["list_history"]["args"];

export const USER_STATUSES: readonly UserStatus[] = CONTRACT_USER_STATUSES;
export const POPUP_KINDS: readonly PopupKind[] = CONTRACT_POPUP_KINDS;

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

type Args<C extends CommandName> = Commands[C]["args"];
type Returns<C extends CommandName> = Commands[C]["returns"];

/** A command by its generated signature: arguments required when it has some that are. */
async function call<C extends CommandName>(
  command: C,
  ...[args]: {} extends Args<C> ? [Args<C>?] : [Args<C>]
): Promise<Returns<C>> {
  try {
    return await invoke<Returns<C>>(command, (args ?? {}) as Record<string, unknown>);
  } catch (e) {
    throw ApiError.from(e, command);
  }
}

// ---------------------------------------------------------------- commands

export const getSnapshot = () => call("get_snapshot");
export const connect = () => call("connect");
export const disconnect = () => call("disconnect");
export const reconnectNow = () => call("reconnect_now");
/** Restarts the app out of the demo, onto the server saved in settings (the window closes and reopens). */
export const leaveDemo = () => call("leave_demo");
export const signIn = (token: string) => call("sign_in", { token });
/** Opens the browser on the server's sign-in page; resolves when the browser has answered. */
export const signInBrowser = () => call("sign_in_browser");
export const signOut = () => call("sign_out");
export const getSettings = () => call("get_settings");
export const updateSettings = (patch: SettingsPatch) => call("update_settings", { patch });
/** Off also ends a Do Not Disturb "until tomorrow". */
export const setDnd = (on: boolean) => call("set_dnd", { on });
/** Do Not Disturb until the next morning, at the quiet hours' end; returns the settings with `attention.dndUntil`. */
export const dndUntilTomorrow = () => call("dnd_until_tomorrow");

export const sendTyping = (isTyping: boolean, conversationId?: string) =>
  call("send_typing", conversationId === undefined ? { isTyping } : { isTyping, conversationId });
export const updateStatus = (status: UserStatus) => call("update_status", { status });
export const sendBookingUpdate = (bookingId: string, status: string) =>
  call("send_booking_update", { bookingId, status });
export const sendMessage = (conversationId: string, content: string, clientId?: string) =>
  call(
    "send_message",
    clientId === undefined ? { conversationId, content } : { conversationId, content, clientId },
  );
export const joinConversation = (conversationId: string) =>
  call("join_conversation", { conversationId });
export const markAsRead = (conversationId: string, messageIds?: string[]) =>
  call("mark_as_read", messageIds === undefined ? { conversationId } : { conversationId, messageIds });
/** Only the protocol's client events are accepted by the app. */
export const emit = (event: string, payload: object) => call("emit", { event, payload: payload as JsonValue });
/** As if the server sent it (dev and demo). */
export const simulateIncoming = (event: string, payload: object) =>
  call("simulate_incoming", { event, payload: payload as JsonValue });

export const listHistory = (q: HistoryQuery = {}) => {
  const args: HistoryQuery = {};
  if (q.query) args.query = q.query;
  if (q.event) args.event = q.event;
  if (q.unreadOnly) args.unreadOnly = true;
  if (q.limit !== undefined) args.limit = q.limit;
  return call("list_history", args);
};
/** An empty list marks everything read. Returns how many changed. */
export const markHistoryRead = (ids: string[]) => call("mark_history_read", { ids });
/** Its popup goes and comes back in `minutes` (10 or 60), as the popup's Snooze; returns every snooze to come. */
export const snoozeHistory = (id: string, minutes: number) => call("snooze_history", { id, minutes });
export const listSnoozed = () => call("list_snoozed");
export const listOutbox = () => call("list_outbox");
export const retryOutbox = (entryId: number) => call("retry_outbox", { entryId });
export const discardOutbox = (entryId: number) => call("discard_outbox", { entryId });
export const getDiagnostics = () => call("get_diagnostics");
/** Opens the log folder in the file manager. */
export const openLogFolder = () => call("open_log_folder");
/** Puts the support report on the clipboard and returns it. */
export const copyDiagnostics = () => call("copy_diagnostics");
export const setFocus = (conversationId: string | null) => call("set_focus", { conversationId });

// ---------------------------------------------------------------- events

export const EVENTS = CONTRACT_EVENTS;

function on<E extends keyof EventPayloads>(event: E, handler: (payload: EventPayloads[E]) => void): Promise<UnlistenFn> {
  return listen<EventPayloads[E]>(event, (e) => handler(e.payload));
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
export const onSentFromPopup = (h: (s: SentFromPopup) => void) => on(EVENTS.sentFromPopup, h);
export const onSnoozed = (h: (s: Snoozed[]) => void) => on(EVENTS.snoozed, h);

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
