// The chat slice: conversations and their messages (ours with their
// delivery state, others' with read receipts), unread counts, who is typing,
// the join state; and the last newMessage of the live events.

import type { ChatMessage, HistoryItem } from "../api";
import { deliveryState } from "./outbox";
import { optStr, str, type Action, type Context, type Conversation, type ThreadMessage } from "./types";

export type ChatSlice = {
  conversations: Record<string, Conversation>;
  lastMessage: ChatMessage | null;
};

export const initialChat: ChatSlice = { conversations: {}, lastMessage: null };

/** How long a typing indicator stays without a refresh. */
export const TYPING_TTL_MS = 6000;

function conversation(s: ChatSlice, id: string, now: string): Conversation {
  return (
    s.conversations[id] ?? {
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

function withConversation(s: ChatSlice, c: Conversation): ChatSlice {
  return { ...s, conversations: { ...s.conversations, [c.id]: c } };
}

function mapMessages(s: ChatSlice, pred: (m: ThreadMessage) => boolean, f: (m: ThreadMessage) => ThreadMessage): ChatSlice {
  let changed = false;
  const conversations: Record<string, Conversation> = {};
  for (const [id, c] of Object.entries(s.conversations)) {
    if (c.messages.some(pred)) {
      changed = true;
      conversations[id] = { ...c, messages: c.messages.map((m) => (pred(m) ? f(m) : m)) };
    } else conversations[id] = c;
  }
  return changed ? { ...s, conversations } : s;
}

function received(s: ChatSlice, d: ChatMessage, now: string, ctx: Context): ChatSlice {
  const cid = str(d.conversationId);
  const id = str(d.id);
  const clientId = optStr(d.clientId);
  const c = conversation(s, cid, now);
  const createdAt = d.createdAt || now;
  const own = ctx.ownUser !== null && str(d.senderId) === ctx.ownUser;
  let messages: ThreadMessage[];
  const local = clientId ? c.messages.findIndex((m) => m.clientId === clientId) : -1;
  let incomingUnread = 0;
  if (local >= 0) {
    // The server's copy of one of ours: it was delivered.
    messages = c.messages.map((m, i) => (i === local ? { ...m, id, delivery: "sent", error: null, createdAt } : m));
  } else if (id && c.messages.some((m) => m.id === id)) {
    messages = c.messages; // duplicate (replayed after a reconnect)
  } else {
    const open = ctx.openConversation === cid && ctx.view === "messages";
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
  return {
    ...withConversation(s, {
      ...c,
      messages,
      typing,
      title: c.title ?? (own ? null : optStr(d.senderName)),
      preview: str(d.content),
      lastActivity: createdAt,
      unread: c.unread + incomingUnread,
    }),
    lastMessage: d,
  };
}

/** Conversations that only history knows about (after a restart). History is newest first. */
function seed(s: ChatSlice, items: HistoryItem[]): ChatSlice {
  const conversations = { ...s.conversations };
  // walk oldest first so the newest wins
  for (const it of [...items].reverse()) {
    const id = it.target.id;
    if (!id || it.target.view !== "messages") continue;
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
  return { ...s, conversations };
}

export function chat(s: ChatSlice, a: Action, ctx: Context): ChatSlice {
  switch (a.type) {
    case "history":
      return seed(s, a.items);
    case "historyAdded":
      // seeding must not override what live events already said
      return { ...s, conversations: { ...seed(s, [a.item]).conversations, ...s.conversations } };
    case "incoming": {
      const inc = a.incoming;
      if (inc.event === "newMessage") return received(s, inc.data, a.now, ctx);
      if (inc.event !== "userTyping") return s;
      const cid = optStr(inc.data.conversationId);
      if (!cid) return s; // not tied to a conversation: nothing to show it on
      const c = conversation(s, cid, a.now);
      const typing = { ...c.typing };
      if (inc.data.isTyping) typing[str(inc.data.userId)] = Date.parse(a.now) + TYPING_TTL_MS;
      else delete typing[str(inc.data.userId)];
      return withConversation(s, { ...c, typing });
    }
    case "delivery": {
      const d = a.delivery;
      if (d.event !== "sendMessage" || !d.clientId) return s;
      const ds = deliveryState(d);
      if (!ds) return s;
      return mapMessages(
        s,
        (m) => m.clientId === d.clientId,
        (m) =>
          // an echo already proved delivery: a late "queued" must not undo it
          m.delivery === "sent" && ds === "pending"
            ? m
            : { ...m, delivery: ds, entryId: d.entryId ?? m.entryId, error: d.outcome.kind === "failed" ? d.outcome.reason : null },
      );
    }
    case "messageQueued": {
      const m = a.message;
      const c = conversation(s, m.conversationId, m.createdAt);
      if (c.messages.some((x) => x.clientId === m.clientId)) return s;
      return withConversation(s, { ...c, messages: [...c.messages, m], preview: m.content, lastActivity: m.createdAt });
    }
    case "messageFailed":
      return mapMessages(s, (m) => m.clientId === a.clientId, (m) => ({ ...m, delivery: "failed", error: a.error }));
    case "messageRetrying":
      return mapMessages(s, (m) => m.clientId === a.clientId, (m) => ({ ...m, delivery: "pending", error: null }));
    case "joinRequested": {
      const c = conversation(s, a.conversationId, a.now);
      return withConversation(s, { ...c, join: c.join === "joined" ? "joined" : "pending" });
    }
    case "joinResult": {
      const c = s.conversations[a.conversationId];
      return c ? withConversation(s, { ...c, join: a.ok ? "joined" : "failed" }) : s;
    }
    case "readSent": {
      const c = s.conversations[a.conversationId];
      if (!c) return s;
      const keys = new Set(a.messageKeys);
      return withConversation(s, {
        ...c,
        unread: 0,
        messages: c.messages.map((m) => (keys.has(m.key) ? { ...m, readSent: true } : m)),
      });
    }
    case "typingExpired": {
      let changed = false;
      const conversations: Record<string, Conversation> = {};
      for (const [id, c] of Object.entries(s.conversations)) {
        const live = Object.entries(c.typing).filter(([, until]) => until > a.now);
        if (live.length !== Object.keys(c.typing).length) {
          changed = true;
          conversations[id] = { ...c, typing: Object.fromEntries(live) };
        } else conversations[id] = c;
      }
      return changed ? { ...s, conversations } : s;
    }
    case "openConversation":
      return a.id && !s.conversations[a.id] ? withConversation(s, conversation(s, a.id, a.now)) : s;
    default:
      return s;
  }
}

export function sortedConversations(s: ChatSlice): Conversation[] {
  return Object.values(s.conversations).sort((a, b) => b.lastActivity.localeCompare(a.lastActivity));
}

export function unreadMessages(s: ChatSlice): number {
  return Object.values(s.conversations).reduce((n, c) => n + c.unread, 0);
}

/** Our own message by its clientId, in whichever conversation it is. */
export function findMessage(s: ChatSlice, clientId: string): ThreadMessage | undefined {
  for (const c of Object.values(s.conversations)) {
    const m = c.messages.find((x) => x.clientId === clientId);
    if (m) return m;
  }
  return undefined;
}
