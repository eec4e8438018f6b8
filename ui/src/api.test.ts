import { emit } from "@tauri-apps/api/event";
import { mockIPC } from "@tauri-apps/api/mocks";
import { describe, expect, it, vi } from "vitest";
import * as api from "./api";
import { ApiError } from "./api";
import { COMMAND_NAMES } from "./contract/ipc";

describe("api.ts", () => {
  it("invokes each command by its snake_case name with camelCase arguments", async () => {
    const seen: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      seen.push([cmd, args]);
      return cmd === "send_message" ? { entryId: 1, event: "sendMessage", clientId: "c1", outcome: { kind: "queued" } } : null;
    });
    const d = await api.sendMessage("conv-1", "hello", "c1");
    expect(d.outcome.kind).toBe("queued");
    await api.sendBookingUpdate("b1", "confirmed");
    await api.markAsRead("conv-1", ["m1"]);
    await api.sendTyping(true, "conv-1");
    await api.markHistoryRead([]);
    await api.setFocus(null);
    await api.updateSettings({ dnd: true });
    await api.listHistory({ query: "x", event: "newMessage", unreadOnly: true, limit: 5 });
    expect(seen).toEqual([
      ["send_message", { conversationId: "conv-1", content: "hello", clientId: "c1" }],
      ["send_booking_update", { bookingId: "b1", status: "confirmed" }],
      ["mark_as_read", { conversationId: "conv-1", messageIds: ["m1"] }],
      ["send_typing", { isTyping: true, conversationId: "conv-1" }],
      ["mark_history_read", { ids: [] }],
      ["set_focus", { conversationId: null }],
      ["update_settings", { patch: { dnd: true } }],
      ["list_history", { query: "x", event: "newMessage", unreadOnly: true, limit: 5 }],
    ]);
  });

  it("wraps the app's {code, message} errors in ApiError", async () => {
    mockIPC(() => {
      throw { code: "notSignedIn", message: "Sign in first" };
    });
    const err = await api.connect().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: "notSignedIn", message: "Sign in first", command: "connect" });
  });

  it("wraps plain string errors too", () => {
    const e = ApiError.from("command foo not found", "foo");
    expect(e.code).toBe("unknown");
    expect(e.message).toBe("command foo not found");
  });

  it("typed listeners deliver payloads and stop after unlisten", async () => {
    mockIPC(() => null, { shouldMockEvents: true });
    const seen = vi.fn();
    const un = await api.onLinkState(seen);
    await emit("link://state", { kind: "connecting", attempt: 1 });
    expect(seen).toHaveBeenCalledWith({ kind: "connecting", attempt: 1 });
    await un();
    await emit("link://state", { kind: "idle" });
    expect(seen).toHaveBeenCalledTimes(1);
  });

  it("subscribeAll cleans up even when closed before listen() resolved", async () => {
    mockIPC(() => null, { shouldMockEvents: true });
    const seen = vi.fn();
    const close = api.subscribeAll([api.onProblem(seen)]);
    close(); // synchronously, like a React unmount
    await new Promise((r) => setTimeout(r, 0));
    await emit("app://problem", { code: "x", message: "y" });
    expect(seen).not.toHaveBeenCalled();
  });

  it("has one function for each command of the generated contract", async () => {
    const seen: string[] = [];
    mockIPC((cmd) => {
      seen.push(cmd);
      return null;
    });
    const notCommands = new Set(["ApiError", "isApiError", "subscribeAll", "newClientId"]);
    const commands = Object.entries(api).filter(
      ([name, value]) => typeof value === "function" && !notCommands.has(name) && !/^on[A-Z]/.test(name),
    );
    for (const [, fn] of commands) await (fn as () => Promise<unknown>)();
    expect(seen).toHaveLength(commands.length);
    expect([...seen].sort()).toEqual([...COMMAND_NAMES].sort());
  });

  it("makes RFC 4122 v4 client ids", () => {
    expect(api.newClientId()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
