// The UI's state: what the app told us (snapshot, settings, history,
// outbox) and what we derived from the live events (bookings, threads,
// presence). A pure reducer, so it is easy to test.

import type {
  AppSnapshot,
  BookingUpdatedData,
  ChatMessage,
  Delivery,
  HistoryItem,
  Incoming,
  LinkState,
  NavView,
  NotificationData,
  OutboxCounts,
  OutboxEntry,
  Settings,
  UserStatus,
} from "./api";

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

export type State = {
  snapshot: AppSnapshot | null;
  link: LinkState;
  /** True once a link://state event arrived, so a late snapshot doesn't overwrite it. */
  linkFromEvent: boolean;
  settings: Settings | null;
  history: HistoryItem[];
  historyLoaded: boolean;
  outbox: OutboxEntry[];
  outboxCounts: OutboxCounts;
  bookings: Record<string, Booking>;
  conversations: Record<string, Conversation>;
  people: Record<string, Person>;
  lastMessage: ChatMessage | null;
  lastNotification: NotificationData | null;
  connectionError: string | null;
  malformed: number;
  toasts: Toast[];
  view: MainView;
  focus: Focus | null;
  openConversation: string | null;
};

export const initialState: State = {
  snapshot: null,
  link: { kind: "idle" },
  linkFromEvent: false,
  settings: null,
  history: [],
  historyLoaded: false,
  outbox: [],
  outboxCounts: { pending: 0, failed: 0 },
  bookings: {},
  conversations: {},
  people: {},
  lastMessage: null,
  lastNotification: null,
  connectionError: null,
  malformed: 0,
  toasts: [],
  view: "notifications",
  focus: null,
  openConversation: null,
};

export type Action =
  | { type: "snapshot"; snapshot: AppSnapshot }
  | { type: "linkState"; state: LinkState }
  | { type: "settings"; settings: Settings }
  | { type: "history"; items: HistoryItem[] }
  | { type: "historyAdded"; item: HistoryItem }
  | { type: "historyRead"; ids: string[] }
  | { type: "outbox"; entries: OutboxEntry[] }
  | { type: "outboxCounts"; counts: OutboxCounts }
  | { type: "incoming"; incoming: Incoming; now: string }
  | { type: "malformed" }
  | { type: "delivery"; delivery: Delivery }
  | { type: "messageQueued"; message: ThreadMessage }
  | { type: "messageFailed"; clientId: string; error: string }
  | { type: "messageRetrying"; clientId: string }
  | { type: "bookingRequested"; bookingId: string; status: string }
  | { type: "bookingDelivery"; bookingId: string; delivery: Delivery }
  | { type: "bookingFailed"; bookingId: string; error: string }
  | { type: "joinRequested"; conversationId: string; now: string }
  | { type: "joinResult"; conversationId: string; ok: boolean }
  | { type: "readSent"; conversationId: string; messageKeys: string[] }
  | { type: "typingExpired"; now: number }
  | { type: "ownStatus"; status: UserStatus }
  | { type: "toast"; toast: Omit<Toast, "id"> }
  | { type: "dismissToast"; id: number }
  | { type: "setView"; view: MainView }
  | { type: "navigate"; view: NavView; id: string | null }
  | { type: "openConversation"; id: string | null };

/** How long a typing indicator stays without a refresh. */
export const TYPING_TTL_MS = 6000;
const MAX_TOASTS = 3;
let toastSeq = 0;
let focusSeq = 0;
let bookingSeq = 0;

const str = (v: unknown): string => (v === null || v === undefined ? "" : String(v));
const optStr = (v: unknown): string | null => (v === null || v === undefined || v === "" ? null : String(v));

export function linkErrorText(s: LinkState): string | null {
  switch (s.kind) {
    case "reconnecting":
      return s.reason || "Connection lost";
    case "authRequired":
      if (s.reason.kind === "missing") return "Sign-in needed: no token";
      if (s.reason.kind === "expired") return "Sign-in needed: the token has expired";
      return `Sign-in needed: ${s.reason.message || "the server rejected the token"}`;
    default:
      return null;
  }
}

function conversation(state: State, id: string, now: string): Conversation {
  return (
    state.conversations[id] ?? {
      id,
      join: "none",
      title: null,
      preview: null,
      lastActivity: now,
      messages: [],
      unread: 0,
      typing: {},
    }
  );
}

function withConversation(state: State, c: Conversation): State {
  return { ...state, conversations: { ...state.conversations, [c.id]: c } };
}

function mapMessages(
  state: State,
  pred: (m: ThreadMessage) => boolean,
  f: (m: ThreadMessage) => ThreadMessage,
): State {
  let changed = false;
  const conversations: Record<string, Conversation> = {};
  for (const [id, c] of Object.entries(state.conversations)) {
    if (c.messages.some(pred)) {
      changed = true;
      conversations[id] = { ...c, messages: c.messages.map((m) => (pred(m) ? f(m) : m)) };
    } else conversations[id] = c;
  }
  return changed ? { ...state, conversations } : state;
}

export function deliveryState(d: Delivery): DeliveryState | null {
  switch (d.outcome.kind) {
    case "queued":
    case "written":
      // written but not yet proven carried: still unconfirmed
      return "pending";
    case "sent":
    case "acked":
    case "delivered":
      return "sent";
    case "failed":
      return "failed";
    default:
      return null;
  }
}

function applyIncoming(state: State, inc: Incoming, now: string): State {
  switch (inc.event) {
    case "connected":
      return state;
    case "newNotification":
      return { ...state, lastNotification: inc.data };
    case "bookingUpdated": {
      const d: BookingUpdatedData = inc.data;
      const id = str(d.bookingId);
      const prev = state.bookings[id];
      const echoed = prev?.pending && prev.pending.status.toLowerCase() === str(d.status).toLowerCase();
      const b: Booking = {
        bookingId: id,
        status: str(d.status),
        title: optStr(d.title) ?? prev?.title ?? null,
        message: optStr(d.message) ?? prev?.message ?? null,
        updatedBy: optStr(d.updatedBy),
        updatedAt: now,
        seq: ++bookingSeq,
        pending: echoed ? null : (prev?.pending ?? null),
      };
      return { ...state, bookings: { ...state.bookings, [id]: b } };
    }
    case "newMessage": {
      const d = inc.data;
      const cid = str(d.conversationId);
      const id = str(d.id);
      const clientId = optStr(d.clientId);
      const c = conversation(state, cid, now);
      const ownUser = state.snapshot?.userId ?? state.settings?.userId ?? null;
      const createdAt = d.createdAt || now;
      let messages: ThreadMessage[];
      const local = clientId ? c.messages.findIndex((m) => m.clientId === clientId) : -1;
      let incomingUnread = 0;
      if (local >= 0) {
        // The server's copy of one of ours: it was delivered.
        messages = c.messages.map((m, i) =>
          i === local ? { ...m, id, delivery: "sent", error: null, createdAt } : m,
        );
      } else if (id && c.messages.some((m) => m.id === id)) {
        messages = c.messages; // duplicate (replayed after a reconnect)
      } else {
        const own = ownUser !== null && str(d.senderId) === ownUser;
        const open = state.openConversation === cid && state.view === "messages";
        if (!own && !open) incomingUnread = 1;
        messages = [
          ...c.messages,
          {
            key: id || clientId || `${cid}:${c.messages.length}`,
            id,
            clientId,
            conversationId: cid,
            senderId: str(d.senderId),
            senderName: optStr(d.senderName),
            content: str(d.content),
            createdAt,
            own,
            delivery: own ? "sent" : null,
            entryId: null,
            error: null,
            readSent: own,
          },
        ];
      }
      const typing = { ...c.typing };
      delete typing[str(d.senderId)];
      const isOwn = ownUser !== null && str(d.senderId) === ownUser;
      return {
        ...withConversation(state, {
          ...c,
          messages,
          typing,
          title: c.title ?? (isOwn ? null : optStr(d.senderName)),
          preview: str(d.content),
          lastActivity: createdAt,
          unread: c.unread + incomingUnread,
        }),
        lastMessage: d,
      };
    }
    case "userOnline":
    case "userOffline": {
      const id = str(inc.data.userId);
      const prev = state.people[id];
      const p: Person = {
        userId: id,
        name: optStr(inc.data.name) ?? prev?.name ?? null,
        online: inc.event === "userOnline",
        status: inc.event === "userOffline" ? "offline" : prev?.status === "offline" ? null : (prev?.status ?? null),
        lastSeen: now,
      };
      return { ...state, people: { ...state.people, [id]: p } };
    }
    case "statusUpdated": {
      const id = str(inc.data.userId);
      const ownUser = state.snapshot?.userId ?? null;
      const status = str(inc.data.status);
      let next = state;
      if (ownUser !== null && id === ownUser && state.snapshot && isUserStatus(status)) {
        next = { ...state, snapshot: { ...state.snapshot, status } };
      }
      const prev = next.people[id];
      const p: Person = {
        userId: id,
        name: prev?.name ?? null,
        online: status !== "offline",
        status,
        lastSeen: now,
      };
      return { ...next, people: { ...next.people, [id]: p } };
    }
    case "userTyping": {
      const d = inc.data;
      const cid = optStr(d.conversationId);
      if (!cid) return state; // not tied to a conversation: nothing to show it on
      const c = conversation(state, cid, now);
      const typing = { ...c.typing };
      if (d.isTyping) typing[str(d.userId)] = Date.parse(now) + TYPING_TTL_MS;
      else delete typing[str(d.userId)];
      return withConversation(state, { ...c, typing });
    }
    default:
      return state;
  }
}

export function isUserStatus(s: string): s is UserStatus {
  return s === "available" || s === "busy" || s === "away" || s === "offline";
}

/** Bookings and conversations that only history knows about (after a restart). */
function seedFromHistory(state: State, items: HistoryItem[]): State {
  const bookings = { ...state.bookings };
  const conversations = { ...state.conversations };
  // history is newest first: walk oldest first so the newest wins
  for (const it of [...items].reverse()) {
    const id = it.target.id;
    if (!id) continue;
    if (it.target.view === "bookings") {
      const prev = bookings[id];
      bookings[id] = {
        bookingId: id,
        status: prev?.status ?? null,
        title: it.title || prev?.title || null,
        message: it.body || prev?.message || null,
        updatedBy: prev?.updatedBy ?? null,
        updatedAt: it.createdAt,
        seq: prev?.seq ?? ++bookingSeq,
        pending: prev?.pending ?? null,
      };
    } else if (it.target.view === "messages") {
      const prev = conversations[id];
      conversations[id] = {
        id,
        join: prev?.join ?? "none",
        title: prev?.title ?? (it.title || null),
        preview: it.body || prev?.preview || null,
        lastActivity: it.createdAt,
        messages: prev?.messages ?? [],
        unread: prev?.unread ?? 0,
        typing: prev?.typing ?? {},
      };
    }
  }
  return { ...state, bookings, conversations };
}

/** Toasts about a conversation are moot once it is on screen. */
function withoutToastsFor(toasts: Toast[], conversationId: string | null): Toast[] {
  if (!conversationId) return toasts;
  const left = toasts.filter((t) => !(t.target?.view === "messages" && t.target.id === conversationId));
  return left.length === toasts.length ? toasts : left;
}

export function reducer(state: State, action: Action): State {
  switch (action.type) {
    case "snapshot": {
      const link = state.linkFromEvent ? state.link : action.snapshot.link;
      return {
        ...state,
        snapshot: action.snapshot,
        link,
        outboxCounts: action.snapshot.outbox,
        connectionError: linkErrorText(link),
      };
    }
    case "linkState":
      return {
        ...state,
        link: action.state,
        linkFromEvent: true,
        snapshot: state.snapshot ? { ...state.snapshot, link: action.state } : null,
        connectionError: action.state.kind === "connected" ? null : (linkErrorText(action.state) ?? state.connectionError),
      };
    case "settings":
      return {
        ...state,
        settings: action.settings,
        snapshot: state.snapshot
          ? { ...state.snapshot, dnd: action.settings.dnd, userId: action.settings.userId ?? state.snapshot.userId }
          : null,
      };
    case "history":
      return seedFromHistory({ ...state, history: action.items, historyLoaded: true }, action.items);
    case "historyAdded": {
      if (state.history.some((h) => h.id === action.item.id)) return state;
      const history = [action.item, ...state.history];
      const seeded = seedFromHistory(state, [action.item]);
      // seeding must not override what live events already said
      return {
        ...state,
        history,
        bookings: { ...seeded.bookings, ...state.bookings },
        conversations: { ...seeded.conversations, ...state.conversations },
      };
    }
    case "historyRead": {
      const all = action.ids.length === 0;
      const ids = new Set(action.ids);
      return { ...state, history: state.history.map((h) => (all || ids.has(h.id) ? { ...h, read: true } : h)) };
    }
    case "outbox":
      return { ...state, outbox: action.entries };
    case "outboxCounts":
      return {
        ...state,
        outboxCounts: action.counts,
        snapshot: state.snapshot ? { ...state.snapshot, outbox: action.counts } : null,
      };
    case "incoming":
      return applyIncoming(state, action.incoming, action.now);
    case "malformed":
      return { ...state, malformed: state.malformed + 1 };
    case "delivery": {
      const d = action.delivery;
      if (d.event === "sendMessage" && d.clientId) {
        const ds = deliveryState(d);
        if (!ds) return state;
        return mapMessages(
          state,
          (m) => m.clientId === d.clientId,
          (m) =>
            // an echo already proved delivery: a late "queued" must not undo it
            m.delivery === "sent" && ds === "pending"
              ? m
              : {
                  ...m,
                  delivery: ds,
                  entryId: d.entryId ?? m.entryId,
                  error: d.outcome.kind === "failed" ? d.outcome.reason : null,
                },
        );
      }
      if (d.event === "bookingUpdate" && d.entryId !== null) {
        const b = Object.values(state.bookings).find((x) => x.pending?.entryId === d.entryId);
        if (!b) return state;
        return reducer(state, { type: "bookingDelivery", bookingId: b.bookingId, delivery: d });
      }
      return state;
    }
    case "messageQueued": {
      const m = action.message;
      const c = conversation(state, m.conversationId, m.createdAt);
      if (c.messages.some((x) => x.clientId === m.clientId)) return state;
      return withConversation(state, {
        ...c,
        messages: [...c.messages, m],
        preview: m.content,
        lastActivity: m.createdAt,
      });
    }
    case "messageFailed":
      return mapMessages(
        state,
        (m) => m.clientId === action.clientId,
        (m) => ({ ...m, delivery: "failed", error: action.error }),
      );
    case "messageRetrying":
      return mapMessages(
        state,
        (m) => m.clientId === action.clientId,
        (m) => ({ ...m, delivery: "pending", error: null }),
      );
    case "bookingRequested": {
      const prev = state.bookings[action.bookingId];
      const b: Booking = prev ?? {
        bookingId: action.bookingId,
        status: null,
        title: null,
        message: null,
        updatedBy: null,
        updatedAt: new Date().toISOString(),
        seq: ++bookingSeq,
        pending: null,
      };
      return {
        ...state,
        bookings: {
          ...state.bookings,
          [b.bookingId]: { ...b, pending: { status: action.status, entryId: null, state: "pending", error: null } },
        },
      };
    }
    case "bookingDelivery": {
      const b = state.bookings[action.bookingId];
      if (!b?.pending) return state;
      const d = action.delivery;
      const failed = d.outcome.kind === "failed";
      return {
        ...state,
        bookings: {
          ...state.bookings,
          [b.bookingId]: {
            ...b,
            pending: {
              ...b.pending,
              entryId: d.entryId ?? b.pending.entryId,
              state: failed ? "failed" : "pending",
              error: d.outcome.kind === "failed" ? d.outcome.reason : null,
            },
          },
        },
      };
    }
    case "bookingFailed": {
      const b = state.bookings[action.bookingId];
      if (!b?.pending) return state;
      return {
        ...state,
        bookings: {
          ...state.bookings,
          [b.bookingId]: { ...b, pending: { ...b.pending, state: "failed", error: action.error } },
        },
      };
    }
    case "joinRequested": {
      const c = conversation(state, action.conversationId, action.now);
      return withConversation(state, { ...c, join: c.join === "joined" ? "joined" : "pending" });
    }
    case "joinResult": {
      const c = state.conversations[action.conversationId];
      if (!c) return state;
      return withConversation(state, { ...c, join: action.ok ? "joined" : "failed" });
    }
    case "readSent": {
      const c = state.conversations[action.conversationId];
      if (!c) return state;
      const keys = new Set(action.messageKeys);
      return withConversation(state, {
        ...c,
        unread: 0,
        messages: c.messages.map((m) => (keys.has(m.key) ? { ...m, readSent: true } : m)),
      });
    }
    case "typingExpired": {
      let changed = false;
      const conversations: Record<string, Conversation> = {};
      for (const [id, c] of Object.entries(state.conversations)) {
        const live = Object.entries(c.typing).filter(([, until]) => until > action.now);
        if (live.length !== Object.keys(c.typing).length) {
          changed = true;
          conversations[id] = { ...c, typing: Object.fromEntries(live) };
        } else conversations[id] = c;
      }
      return changed ? { ...state, conversations } : state;
    }
    case "ownStatus":
      return state.snapshot ? { ...state, snapshot: { ...state.snapshot, status: action.status } } : state;
    case "toast": {
      const toast = { ...action.toast, id: ++toastSeq };
      // the same message again replaces the old toast instead of stacking
      const others = state.toasts.filter(
        (t) => !(t.kind === toast.kind && t.title === toast.title && t.body === toast.body),
      );
      return { ...state, toasts: [...others, toast].slice(-MAX_TOASTS) };
    }
    case "dismissToast":
      return { ...state, toasts: state.toasts.filter((t) => t.id !== action.id) };
    case "setView":
      return { ...state, view: action.view };
    case "navigate":
      return {
        ...state,
        view: action.view,
        focus: { view: action.view, id: action.id, nonce: ++focusSeq },
        toasts: action.view === "messages" ? withoutToastsFor(state.toasts, action.id) : state.toasts,
        openConversation: action.view === "messages" && action.id ? action.id : state.openConversation,
      };
    case "openConversation": {
      let next: State = { ...state, openConversation: action.id, toasts: withoutToastsFor(state.toasts, action.id) };
      if (action.id && !state.conversations[action.id]) {
        next = withConversation(next, conversation(next, action.id, new Date().toISOString()));
      }
      return next;
    }
    default:
      return state;
  }
}

// ---------------------------------------------------------------- selectors

export function sortedConversations(state: State): Conversation[] {
  return Object.values(state.conversations).sort((a, b) => b.lastActivity.localeCompare(a.lastActivity));
}

export function sortedBookings(state: State): Booking[] {
  return Object.values(state.bookings).sort((a, b) => b.seq - a.seq);
}

export function unreadHistory(state: State): number {
  return state.history.filter((h) => !h.read).length;
}

export function unreadMessages(state: State): number {
  return Object.values(state.conversations).reduce((n, c) => n + c.unread, 0);
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
