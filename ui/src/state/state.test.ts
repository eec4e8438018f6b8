import { describe, expect, it } from "vitest";
import type { ChatMessage } from "../api";
import { deliveryState, initialState, reducer, type State, type ThreadMessage } from ".";

const NOW = "2030-01-01T12:00:00.000Z";
const run = (s: State, ...actions: Parameters<typeof reducer>[1][]) => actions.reduce(reducer, s);

const own = (clientId: string): ThreadMessage => ({
  key: clientId,
  id: null,
  clientId,
  conversationId: "c1",
  senderId: "me",
  senderName: null,
  content: "hi",
  createdAt: NOW,
  own: true,
  delivery: "pending",
  entryId: null,
  error: null,
  readSent: true,
});

describe("store", () => {
  it("an event written but not yet proven carried stays unconfirmed", () => {
    const d = (outcome: Parameters<typeof deliveryState>[0]["outcome"]) => ({ entryId: 1, event: "bookingUpdate", clientId: null, outcome });
    expect(deliveryState(d({ kind: "written" }))).toBe("pending");
    expect(deliveryState(d({ kind: "delivered", proof: "serverPing" }))).toBe("sent");
    expect(deliveryState(d({ kind: "delivered", proof: "laterAck" }))).toBe("sent");
  });

  it("a late 'queued' delivery doesn't undo a message the echo proved sent", () => {
    const s = run(
      initialState,
      { type: "messageQueued", message: own("k1") },
      {
        type: "incoming",
        now: NOW,
        incoming: { event: "newMessage", data: { id: "s1", conversationId: "c1", senderId: "me", senderName: null, content: "hi", createdAt: NOW, clientId: "k1" } },
      },
      { type: "delivery", delivery: { entryId: 1, event: "sendMessage", clientId: "k1", outcome: { kind: "queued" } } },
    );
    expect(s.chat.conversations.c1.messages).toHaveLength(1);
    expect(s.chat.conversations.c1.messages[0]).toMatchObject({ id: "s1", delivery: "sent" });
  });

  it("replayed messages are not duplicated; unread counts only others' messages", () => {
    // Numeric ids, as a lenient backend sends them (the app passes them on as
    // strings, as the contract's `Id` says; the store copes with either).
    const data = { id: 5, conversationId: 9, senderId: "u2", senderName: null, content: "x", createdAt: NOW, clientId: null };
    const msg = { event: "newMessage" as const, data: data as unknown as ChatMessage };
    const s = run(initialState, { type: "incoming", now: NOW, incoming: msg }, { type: "incoming", now: NOW, incoming: msg });
    expect(s.chat.conversations["9"].messages).toHaveLength(1);
    expect(s.chat.conversations["9"].unread).toBe(1);
  });

  it("typing indicators expire without a stop", () => {
    const s = run(initialState, {
      type: "incoming",
      now: NOW,
      incoming: { event: "userTyping", data: { userId: "u2", isTyping: true, conversationId: "c1" } },
    });
    expect(Object.keys(s.chat.conversations.c1.typing)).toEqual(["u2"]);
    const later = reducer(s, { type: "typingExpired", now: Date.parse(NOW) + 10_000 });
    expect(later.chat.conversations.c1.typing).toEqual({});
  });

  it("the same toast twice replaces the first; at most three stay", () => {
    const t = { kind: "error" as const, title: "Connection lost", body: "refused", target: null };
    let s = run(initialState, { type: "toast", toast: { ...t, id: 1 } }, { type: "toast", toast: { ...t, id: 2 } });
    expect(s.toasts).toHaveLength(1);
    for (let i = 0; i < 5; i++) s = reducer(s, { type: "toast", toast: { ...t, id: 3 + i, body: `b${i}` } });
    expect(s.toasts.map((x) => x.body)).toEqual(["b2", "b3", "b4"]);
  });

  it("a snapshot that arrives after a link://state event does not roll the state back", () => {
    const s = run(initialState, { type: "linkState", state: { kind: "connected", since: NOW } });
    const snap = reducer(s, {
      type: "snapshot",
      snapshot: {
        link: { kind: "connecting", attempt: 1 },
        stats: { eventsIn: 0, malformed: 0, unknownEvents: 0, binaryPayloads: 0, undecodable: 0, oversized: 0, connects: 0, attempts: 0, authRejections: 0, eventsOut: 0 },
        outbox: { pending: 0, failed: 0 },
        demo: false,
        dnd: false,
        status: "available",
        userId: "me",
        signedIn: true,
        keyring: "os",
        notifier: "available",
        unread: 0,
        version: "1",
      },
    });
    expect(snap.link.current.kind).toBe("connected");
  });

  it("history seeds bookings and conversations after a restart", () => {
    const s = reducer(initialState, {
      type: "history",
      items: [
        { id: "h2", event: "newMessage", title: "Ana", body: "hello", createdAt: NOW, read: false, link: null, target: { view: "messages", id: "c3" } },
        { id: "h1", event: "bookingUpdated", title: "Booking 4", body: "Status: confirmed", createdAt: NOW, read: true, link: null, target: { view: "bookings", id: "4" } },
      ],
    });
    expect(s.chat.conversations.c3).toMatchObject({ title: "Ana", preview: "hello" });
    expect(s.bookings.byId["4"]).toMatchObject({ title: "Booking 4", status: null });
  });
});

describe("state by concern", () => {
  const snapshot = {
    link: { kind: "connecting" as const, attempt: 1 },
    stats: { eventsIn: 0, malformed: 0, unknownEvents: 0, binaryPayloads: 0, undecodable: 0, oversized: 0, connects: 0, attempts: 0, authRejections: 0, eventsOut: 0 },
    outbox: { pending: 2, failed: 1 },
    demo: false,
    dnd: false,
    status: "available" as const,
    userId: "me",
    signedIn: true,
    keyring: "os" as const,
    notifier: "available" as const,
    unread: 0,
    version: "1",
  };

  it("is pure: the same actions from the same state give the same state", () => {
    const actions: Parameters<typeof reducer>[1][] = [
      { type: "snapshot", snapshot },
      { type: "toast", toast: { id: 7, kind: "info", title: "T", body: "B", target: null } },
      { type: "bookingRequested", bookingId: "b1", status: "confirmed", now: NOW },
      { type: "incoming", now: NOW, incoming: { event: "bookingUpdated", data: { bookingId: "b2", status: "pending", title: null, message: null, updatedBy: null } } },
      { type: "openConversation", id: "c9", now: NOW },
      { type: "navigate", view: "bookings", id: "b2", nonce: 3 },
    ];
    const once = run(initialState, ...actions);
    const again = run(initialState, ...actions);
    expect(again).toEqual(once);
    expect(once.toasts[0].id).toBe(7);
    expect(once.nav.focus).toEqual({ view: "bookings", id: "b2", nonce: 3 });
    expect(once.chat.conversations.c9.lastActivity).toBe(NOW);
    expect(once.bookings.byId.b1.updatedAt).toBe(NOW);
    // the later update is first in the list
    expect(once.bookings.byId.b2.seq).toBeGreaterThan(once.bookings.byId.b1.seq);
  });

  it("keeps one copy of the link state and of the outbox counts", () => {
    const s = run(
      initialState,
      { type: "snapshot", snapshot },
      { type: "linkState", state: { kind: "connected", since: NOW } },
      { type: "outboxCounts", counts: { pending: 0, failed: 0 } },
    );
    expect(s.app).not.toHaveProperty("link");
    expect(s.app).not.toHaveProperty("outbox");
    expect(s.link.current).toEqual({ kind: "connected", since: NOW });
    expect(s.outbox.counts).toEqual({ pending: 0, failed: 0 });
  });
});
