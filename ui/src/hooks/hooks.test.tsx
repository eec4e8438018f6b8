import { act, render, renderHook } from "@testing-library/react";
import type { ReactNode } from "react";
import { describe, expect, it, vi } from "vitest";
import { AloraProvider } from "../AloraProvider";
import { delivery, installIpc, settle } from "../test/ipc";
import { useSocket } from "./useSocket";
import { useWebSocketHook } from "./useWebSocket";

const wrapper = ({ children }: { children: ReactNode }) => <AloraProvider>{children}</AloraProvider>;

async function renderSocket() {
  const r = renderHook(() => useSocket(), { wrapper });
  await settle();
  return r;
}

describe("useSocket (seed 003 shape)", () => {
  it("exposes every field of the seed", async () => {
    installIpc();
    const { result } = await renderSocket();
    expect(Object.keys(result.current).sort()).toEqual(
      [
        "connectionError",
        "emit",
        "initializeSocket",
        "isConnected",
        "joinConversation",
        "lastMessage",
        "lastNotification",
        "markAsRead",
        "offlineMessages",
        "sendBookingUpdate",
        "sendMessage",
        "sendTyping",
        "simulateReceiveMessage",
        "updateStatus",
        "useMockSocket",
      ].sort(),
    );
  });

  it("follows link://state and reports connection errors", async () => {
    const ipc = installIpc({ snapshot: { link: { kind: "idle" } } });
    const { result } = await renderSocket();
    expect(result.current.isConnected).toBe(false);
    await ipc.setLink({ kind: "connected", since: "2030-01-01T00:00:00Z" });
    expect(result.current.isConnected).toBe(true);
    expect(result.current.connectionError).toBeNull();
    await ipc.setLink({ kind: "reconnecting", attempt: 1, nextInMs: 1000, retryAt: "2030-01-01T00:00:01Z", reason: "connection reset" });
    expect(result.current.isConnected).toBe(false);
    expect(result.current.connectionError).toBe("connection reset");
    await ipc.setLink({ kind: "authRequired", reason: { kind: "rejected", message: "invalid token" } });
    expect(result.current.connectionError).toContain("invalid token");
  });

  it("keeps the last message and notification", async () => {
    const ipc = installIpc();
    const { result } = await renderSocket();
    await ipc.emitEvent("link://event", {
      event: "newMessage",
      data: { id: "m1", conversationId: "c1", senderId: "u2", content: "hi", createdAt: "2030-01-01T00:00:00Z" },
    });
    await ipc.emitEvent("link://event", {
      event: "newNotification",
      data: { id: "n1", title: "T", message: "M", createdAt: "2030-01-01T00:00:00Z" },
    });
    expect(result.current.lastMessage).toMatchObject({ id: "m1", content: "hi" });
    expect(result.current.lastNotification).toMatchObject({ id: "n1", title: "T" });
  });

  it("useMockSocket is the demo flag; offlineMessages is the outbox", async () => {
    const entry = {
      id: 4,
      outgoing: { event: "sendMessage", payload: { conversationId: "c1", content: "x", clientId: "k" } },
      status: "pending" as const,
      attempts: 0,
      queuedAt: "2030-01-01T00:00:00Z",
      lastError: null,
    };
    const ipc = installIpc({ snapshot: { demo: true } });
    const { result } = await renderSocket();
    expect(result.current.useMockSocket).toBe(true);
    expect(result.current.offlineMessages).toEqual([]);
    ipc.handlers.list_outbox = () => [entry];
    await ipc.emitEvent("outbox://changed", { pending: 1, failed: 0 });
    await settle();
    expect(result.current.offlineMessages).toEqual([entry]);
  });

  it("sendMessage passes a UI-made clientId; the others call their commands", async () => {
    const ipc = installIpc({
      handlers: {
        send_message: (a) => delivery({ event: "sendMessage", entryId: 1, clientId: a.clientId as string, outcome: { kind: "queued" } }),
        join_conversation: () => delivery({ event: "joinConversation", outcome: { kind: "remembered" } }),
        update_status: () => delivery({ event: "updateStatus", entryId: 2 }),
        send_booking_update: () => delivery({ event: "bookingUpdate", entryId: 3 }),
        emit: () => delivery({ event: "typing" }),
        simulate_incoming: () => null,
        connect: () => null,
      },
    });
    const { result } = await renderSocket();
    await act(async () => {
      await result.current.sendMessage("c1", "hello");
      await result.current.sendMessage({ conversationId: "c2", content: "again" });
      await result.current.joinConversation("c1");
      await result.current.markAsRead("c1", ["m1"]);
      await result.current.updateStatus({ status: "busy" });
      await result.current.sendBookingUpdate({ bookingId: "b1", status: "confirmed" });
      await result.current.sendTyping({ userId: "me", isTyping: true, conversationId: "c1" });
      await result.current.emit("typing", { userId: "me", isTyping: false });
      await result.current.simulateReceiveMessage({ conversationId: "c1", content: "sim" });
      await result.current.initializeSocket();
    });
    const sent = ipc.callsOf("send_message");
    expect(sent).toHaveLength(2);
    expect(sent[0]).toMatchObject({ conversationId: "c1", content: "hello" });
    expect(sent[0].clientId).toMatch(/^[0-9a-f-]{36}$/);
    expect(sent[1].clientId).not.toBe(sent[0].clientId);
    expect(ipc.callsOf("join_conversation")).toEqual([{ conversationId: "c1" }]);
    expect(ipc.callsOf("mark_as_read")).toEqual([{ conversationId: "c1", messageIds: ["m1"] }]);
    expect(ipc.callsOf("update_status")).toEqual([{ status: "busy" }]);
    expect(ipc.callsOf("send_booking_update")).toEqual([{ bookingId: "b1", status: "confirmed" }]);
    expect(ipc.callsOf("send_typing")).toEqual([{ isTyping: true, conversationId: "c1" }]);
    expect(ipc.callsOf("emit")).toEqual([{ event: "typing", payload: { userId: "me", isTyping: false } }]);
    expect(ipc.callsOf("simulate_incoming")[0]).toMatchObject({
      event: "newMessage",
      payload: { conversationId: "c1", content: "sim" },
    });
    expect(ipc.callsOf("connect")).toHaveLength(1);
  });

  it("removes every listener on unmount", async () => {
    installIpc();
    const internals = (window as unknown as { __TAURI_EVENT_PLUGIN_INTERNALS__: { unregisterListener: () => void } })
      .__TAURI_EVENT_PLUGIN_INTERNALS__;
    const spy = vi.spyOn(internals, "unregisterListener");
    const r = render(
      <AloraProvider>
        <span />
      </AloraProvider>,
    );
    await settle();
    expect(spy).not.toHaveBeenCalled();
    r.unmount();
    await settle();
    const events = spy.mock.calls.map((c) => (c as unknown[])[0]).sort();
    expect(events).toEqual(
      [
        "app://navigate",
        "app://problem",
        "app://sent-from-popup",
        "app://snoozed",
        "history://added",
        "link://event",
        "link://malformed",
        "link://state",
        "outbox://changed",
        "outbox://delivery",
        "settings://changed",
      ].sort(),
    );
  });
});

describe("useWebSocketHook (seed 000 shape)", () => {
  it("has the seed's names", async () => {
    const ipc = installIpc({ handlers: { update_status: () => delivery({ event: "updateStatus" }) } });
    const { result } = renderHook(() => useWebSocketHook(), { wrapper });
    await settle();
    expect(Object.keys(result.current).sort()).toEqual(
      ["emit", "isConnected", "sendBookingUpdate", "sendTyping", "updateStatus"].sort(),
    );
    expect(result.current.isConnected).toBe(true);
    await act(async () => {
      await result.current.updateStatus({ status: "away" });
    });
    expect(ipc.callsOf("update_status")).toEqual([{ status: "away" }]);
  });
});
