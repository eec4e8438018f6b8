import { act, fireEvent, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { StatusBar } from "../components/StatusBar";
import { delivery, historyItem, installIpc, NOW, renderApp, renderWithProvider, settle } from "../test/ipc";

const XSS = "<img src=x onerror=alert(1)>";

async function focusWindow() {
  await act(async () => {
    window.dispatchEvent(new Event("focus"));
  });
}

async function openTab(name: RegExp) {
  await userEvent.click(screen.getByRole("tab", { name }));
}

afterEach(() => {
  vi.useRealTimers();
});

describe("status bar", () => {
  it("says the state in words, counting down to the retry", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: false, toFake: ["Date", "setInterval", "clearInterval", "setTimeout", "clearTimeout"] });
    vi.setSystemTime(new Date(NOW));
    const ipc = installIpc({ snapshot: { link: { kind: "connecting", attempt: 1 } } });
    await renderWithProvider(<StatusBar />);
    const state = () => screen.getByTestId("link-state").textContent;
    expect(state()).toContain("Connecting");
    await ipc.setLink({ kind: "connected", since: NOW });
    expect(state()).toContain("Live");
    await ipc.setLink({
      kind: "reconnecting",
      attempt: 2,
      nextInMs: 3000,
      retryAt: new Date(Date.parse(NOW) + 3000).toISOString(),
      reason: "connection refused",
    });
    expect(state()).toContain("Reconnecting in 3 s");
    await act(async () => {
      vi.advanceTimersByTime(1000);
    });
    expect(state()).toContain("Reconnecting in 2 s");
    await act(async () => {
      vi.advanceTimersByTime(2000);
    });
    expect(state()).toMatch(/Reconnecting(?! in)/);
    await ipc.setLink({ kind: "idle" });
    expect(state()).toContain("Offline");
    await ipc.setLink({ kind: "authRequired", reason: { kind: "expired" } });
    expect(state()).toContain("Sign-in needed");
  });

  it("has a Reconnect button, a DEMO badge, and shows connection errors as toasts", async () => {
    const ipc = installIpc({ snapshot: { demo: true }, handlers: { reconnect_now: () => null } });
    await renderApp();
    expect(screen.getByText("DEMO")).toBeTruthy();
    await userEvent.click(screen.getByRole("button", { name: /^Reconnect/ }));
    expect(ipc.callsOf("reconnect_now")).toHaveLength(1);
    await ipc.setLink({
      kind: "reconnecting",
      attempt: 1,
      nextInMs: 1000,
      retryAt: new Date(Date.now() + 1000).toISOString(),
      reason: "connection refused",
    });
    const alert = screen.getByRole("alert");
    expect(alert.textContent).toContain("connection refused");
  });
});

describe("notifications", () => {
  const history = [
    historyItem({ id: "h3", title: "Booking 7 confirmed", body: "See you", event: "bookingUpdated", target: { view: "bookings", id: "7" } }),
    historyItem({ id: "h2", title: "Invoice ready", body: "March invoice" }),
    historyItem({ id: "h1", title: "Old news", body: "Read already", read: true }),
  ];

  it("lists newest first, marks unread, filters, searches, marks read", async () => {
    const ipc = installIpc({ history });
    await renderApp();
    const titles = () => screen.queryAllByTestId("history-item").map((li) => li.querySelector(".card-title")?.textContent);
    expect(titles()).toEqual(["Booking 7 confirmed", "Invoice ready", "Old news"]);
    expect(screen.getByTestId("unread-count").textContent).toBe("2 unread");
    expect(screen.getAllByTestId("history-item").filter((li) => li.classList.contains("unread"))).toHaveLength(2);

    await userEvent.selectOptions(screen.getByLabelText("Filter by type"), "bookingUpdated");
    expect(titles()).toEqual(["Booking 7 confirmed"]);
    await userEvent.selectOptions(screen.getByLabelText("Filter by type"), "");
    await userEvent.type(screen.getByLabelText("Search notifications"), "invoice");
    expect(titles()).toEqual(["Invoice ready"]);
    await userEvent.clear(screen.getByLabelText("Search notifications"));
    await userEvent.click(screen.getByLabelText("Unread"));
    expect(titles()).toEqual(["Booking 7 confirmed", "Invoice ready"]);
    await userEvent.click(screen.getByLabelText("Unread"));

    await userEvent.click(screen.getByRole("button", { name: "Mark read: Invoice ready" }));
    expect(ipc.callsOf("mark_history_read")).toEqual([{ ids: ["h2"] }]);
    expect(screen.getByTestId("unread-count").textContent).toBe("1 unread");
    await userEvent.click(screen.getByRole("button", { name: "Mark all read" }));
    expect(ipc.callsOf("mark_history_read")[1]).toEqual({ ids: [] });
    expect(screen.getByTestId("unread-count").textContent).toBe("0 unread");
  });

  it("snoozes an unread item as its popup's Snooze does, says until when, and follows a popup's snooze", async () => {
    const until = new Date(Date.now() + 10 * 60_000).toISOString();
    const ipc = installIpc({
      history,
      handlers: {
        snooze_history: (a) => [{ target: { view: "notifications", id: a.id }, until }],
      },
    });
    await renderApp();
    const card = (title: string) => screen.getAllByTestId("history-item").find((li) => li.textContent?.includes(title))!;
    // Read items have nothing to bring back.
    expect(within(card("Old news")).queryByLabelText("Snooze: Old news")).toBeNull();
    await userEvent.selectOptions(within(card("Invoice ready")).getByLabelText("Snooze: Invoice ready"), "10");
    expect(ipc.callsOf("snooze_history")).toEqual([{ id: "h2", minutes: 10 }]);
    expect(within(card("Invoice ready")).getByTestId("snoozed").textContent).toMatch(/^Snoozed until \d\d:\d\d/);
    expect(within(card("Invoice ready")).queryByLabelText("Snooze: Invoice ready")).toBeNull();

    // Snoozed from the booking's popup: the window shows it too.
    await ipc.emitEvent("app://snoozed", [
      { target: { view: "notifications", id: "h2" }, until },
      { target: { view: "bookings", id: "7" }, until },
    ]);
    expect(within(card("Booking 7 confirmed")).getByTestId("snoozed")).toBeTruthy();
    // Read, the app ends the snooze and says so.
    await ipc.emitEvent("app://snoozed", [{ target: { view: "bookings", id: "7" }, until }]);
    expect(within(card("Invoice ready")).queryByTestId("snoozed")).toBeNull();
  });

  it("says why a snooze was refused", async () => {
    installIpc({
      history,
      handlers: {
        snooze_history: () => {
          throw { code: "invalid_input", message: "this notification is already read: nothing would come back" };
        },
      },
    });
    await renderApp();
    await userEvent.selectOptions(screen.getByLabelText("Snooze: Invoice ready"), "60");
    expect((await screen.findByText(/already read: nothing would come back/)).textContent).toBeTruthy();
    expect(screen.queryByTestId("snoozed")).toBeNull();
  });

  it("renders a long history a page at a time, and reaches an item opened past the page", async () => {
    const long = Array.from({ length: 120 }, (_, i) => historyItem({ id: `p${119 - i}`, title: `Item ${119 - i}` }));
    const ipc = installIpc({ history: long });
    await renderApp();
    expect(screen.getAllByTestId("history-item")).toHaveLength(50);
    await userEvent.click(screen.getByRole("button", { name: "Show 50 more of 70" }));
    expect(screen.getAllByTestId("history-item")).toHaveLength(100);
    await userEvent.click(screen.getByRole("button", { name: "Show 20 more of 20" }));
    expect(screen.getAllByTestId("history-item")).toHaveLength(120);
    expect(screen.queryByRole("button", { name: /^Show \d+ more/ })).toBeNull();
    // A filter starts again at one page.
    await userEvent.type(screen.getByLabelText("Search notifications"), "Item");
    expect(screen.getAllByTestId("history-item")).toHaveLength(50);
    await userEvent.clear(screen.getByLabelText("Search notifications"));
    // The popup of an old item opens the window on it: it is rendered, and stays.
    await ipc.emitEvent("app://navigate", { view: "notifications", id: "p3" });
    const rows = screen.getAllByTestId("history-item");
    expect(rows).toHaveLength(117);
    expect(rows.at(-1)?.textContent).toContain("Item 3");
  });

  it("adds arriving items on top with a toast", async () => {
    const ipc = installIpc({ history });
    await renderApp();
    await ipc.emitEvent("history://added", historyItem({ id: "h4", title: "Fresh", body: "Just now" }));
    expect(screen.getAllByTestId("history-item")[0].textContent).toContain("Fresh");
    const toasts = screen.getByRole("region", { name: "Alerts" });
    expect(within(toasts).getByText("Fresh")).toBeTruthy();
  });

  it("renders network text as text, never as HTML", async () => {
    const ipc = installIpc({ history: [historyItem({ id: "x1", title: XSS, body: `<b>bold</b> ${XSS}` })] });
    const { container } = await renderApp();
    await ipc.emitEvent("history://added", historyItem({ id: "x2", title: "Toast " + XSS, body: XSS }));
    await ipc.emitEvent("link://event", {
      event: "newMessage",
      data: { id: "m1", conversationId: "c1", senderId: "u2", senderName: XSS, content: XSS, createdAt: NOW },
    });
    await ipc.emitEvent("link://event", { event: "bookingUpdated", data: { bookingId: "b1", status: XSS, title: XSS, message: XSS } });
    expect(container.querySelector("img")).toBeNull();
    expect(container.querySelector("b")).toBeNull();
    expect(screen.getAllByText(XSS).length).toBeGreaterThan(0);
    await openTab(/Messages/);
    await userEvent.click(screen.getByTestId("conversation"));
    expect(container.querySelector("img")).toBeNull();
    expect(screen.getAllByText(XSS).length).toBeGreaterThan(0);
    await openTab(/Bookings/);
    expect(container.querySelector("img")).toBeNull();
    expect(screen.getAllByText(XSS).length).toBeGreaterThan(0);
  });
});

describe("bookings", () => {
  it("shows pending after an action until the bookingUpdated echo", async () => {
    const ipc = installIpc({
      handlers: {
        send_booking_update: () => delivery({ event: "bookingUpdate", entryId: 11, outcome: { kind: "sent" } }),
      },
    });
    await renderApp();
    await ipc.emitEvent("link://event", {
      event: "bookingUpdated",
      data: { bookingId: 42, status: "pending", title: "Haircut with Sam", message: null, updatedBy: null },
    });
    await openTab(/Bookings/);
    const card = screen.getByTestId("booking");
    expect(within(card).getByTestId("booking-status").textContent).toBe("Pending");
    // A request is answered with Accept or Decline, as from its popup.
    expect(within(card).queryByRole("button", { name: "Complete" })).toBeNull();
    await userEvent.click(within(card).getByRole("button", { name: "Accept" }));
    expect(ipc.callsOf("send_booking_update")).toEqual([{ bookingId: "42", status: "confirmed" }]);
    expect(within(card).getByTestId("booking-pending").textContent).toContain("Confirmed");
    expect((within(card).getByRole("button", { name: "Decline" }) as HTMLButtonElement).disabled).toBe(true);

    await ipc.emitEvent("link://event", { event: "bookingUpdated", data: { bookingId: "42", status: "confirmed", updatedBy: "me" } });
    expect(within(card).queryByTestId("booking-pending")).toBeNull();
    expect(within(card).getByTestId("booking-status").textContent).toBe("Confirmed");
    expect(within(card).getByText("Haircut with Sam")).toBeTruthy();
    expect(within(card).getByRole("button", { name: "Complete" })).toBeTruthy();
  });

  it("shows a failed update with a retry", async () => {
    const ipc = installIpc({
      handlers: {
        send_booking_update: () => delivery({ event: "bookingUpdate", entryId: 12, outcome: { kind: "queued" } }),
        retry_outbox: () => null,
      },
    });
    await renderApp();
    await ipc.emitEvent("link://event", { event: "bookingUpdated", data: { bookingId: "9", status: "confirmed" } });
    await openTab(/Bookings/);
    await userEvent.click(screen.getByRole("button", { name: "Complete" }));
    await ipc.emitEvent("outbox://delivery", delivery({ event: "bookingUpdate", entryId: 12, outcome: { kind: "failed", reason: "timeout" } }));
    expect(screen.getByTestId("booking-pending").textContent).toContain("timeout");
    await userEvent.click(screen.getByRole("button", { name: "Retry" }));
    expect(ipc.callsOf("retry_outbox")).toEqual([{ entryId: 12 }]);
    expect(screen.getByTestId("booking-pending").textContent).toContain("Pending");
  });
});

describe("messages", () => {
  const incoming = (over: Record<string, unknown> = {}) => ({
    event: "newMessage",
    data: { id: "m1", conversationId: "c1", senderId: "u2", senderName: "Ana", content: "Hello there", createdAt: NOW, ...over },
  });

  it("own message: pending → sent, failed → retry → sent", async () => {
    let n = 0;
    const ipc = installIpc({
      handlers: {
        send_message: (a) =>
          delivery({ event: "sendMessage", entryId: ++n, clientId: a.clientId as string, outcome: { kind: "queued" } }),
        retry_outbox: () => null,
      },
    });
    await renderApp();
    await ipc.emitEvent("link://event", incoming());
    await openTab(/Messages/);
    await userEvent.click(screen.getByTestId("conversation"));
    const box = screen.getByLabelText("Message");
    await userEvent.type(box, "First{Enter}");
    const [first] = ipc.callsOf("send_message");
    expect(first).toMatchObject({ conversationId: "c1", content: "First" });
    const own = () => screen.getAllByTestId("message").filter((li) => li.classList.contains("own"));
    expect(within(own()[0]).getByTestId("delivery").textContent).toBe("Pending");

    await ipc.emitEvent("outbox://delivery", delivery({ event: "sendMessage", entryId: 1, clientId: first.clientId as string, outcome: { kind: "sent" } }));
    expect(within(own()[0]).getByTestId("delivery").textContent).toBe("Sent");

    await userEvent.type(box, "Second{Enter}");
    const second = ipc.callsOf("send_message")[1];
    await ipc.emitEvent(
      "outbox://delivery",
      delivery({ event: "sendMessage", entryId: 2, clientId: second.clientId as string, outcome: { kind: "failed", reason: "no ack" } }),
    );
    expect(within(own()[1]).getByTestId("delivery").textContent).toContain("Failed");
    await userEvent.click(within(own()[1]).getByRole("button", { name: "Retry" }));
    expect(ipc.callsOf("retry_outbox")).toEqual([{ entryId: 2 }]);
    expect(within(own()[1]).getByTestId("delivery").textContent).toBe("Pending");
    await ipc.emitEvent(
      "outbox://delivery",
      delivery({ event: "sendMessage", entryId: 2, clientId: second.clientId as string, outcome: { kind: "acked", ack: { ok: true } } }),
    );
    expect(within(own()[1]).getByTestId("delivery").textContent).toBe("Sent");
    expect(own()).toHaveLength(2);
  });

  it("a send the app refused is retried with the same clientId; the echo doesn't duplicate it", async () => {
    let fail = true;
    const ipc = installIpc({
      handlers: {
        send_message: (a) => {
          if (fail) throw { code: "notSignedIn", message: "Sign in first" };
          return delivery({ event: "sendMessage", entryId: 5, clientId: a.clientId as string, outcome: { kind: "sent" } });
        },
      },
    });
    await renderApp();
    await openTab(/Messages/);
    await userEvent.type(screen.getByLabelText("Conversation id"), "c9{Enter}");
    await userEvent.type(screen.getByLabelText("Message"), "Hi{Enter}");
    expect(screen.getByTestId("delivery").textContent).toContain("Failed: Sign in first");
    fail = false;
    await userEvent.click(screen.getByRole("button", { name: "Retry" }));
    const calls = ipc.callsOf("send_message");
    expect(calls).toHaveLength(2);
    expect(calls[1].clientId).toBe(calls[0].clientId);
    expect(screen.getByTestId("delivery").textContent).toBe("Sent");
    await ipc.emitEvent("link://event", incoming({ id: "srv-1", conversationId: "c9", senderId: "me", content: "Hi", clientId: calls[0].clientId }));
    expect(screen.getAllByTestId("message")).toHaveLength(1);
  });

  it("joins by id, reads the thread, sets focus, shows the other side typing", async () => {
    const ipc = installIpc({
      handlers: { join_conversation: () => delivery({ event: "joinConversation", outcome: { kind: "sent" } }) },
    });
    await renderApp();
    await focusWindow();
    await ipc.emitEvent("link://event", incoming());
    await openTab(/Messages/);
    expect(ipc.callsOf("mark_as_read")).toEqual([]);
    await userEvent.click(screen.getByTestId("conversation"));
    expect(ipc.callsOf("mark_as_read")).toEqual([{ conversationId: "c1", messageIds: ["m1"] }]);
    expect(ipc.callsOf("set_focus").at(-1)).toEqual({ conversationId: "c1" });

    await userEvent.click(screen.getByRole("button", { name: "Join" }));
    expect(ipc.callsOf("join_conversation")).toEqual([{ conversationId: "c1" }]);
    expect(screen.getByText("Joined")).toBeTruthy();

    await ipc.emitEvent("link://event", { event: "userTyping", data: { userId: "u2", isTyping: true, conversationId: "c1" } });
    expect(screen.getByTestId("typing").textContent).toBe("u2 is typing…");
    await ipc.emitEvent("link://event", { event: "userTyping", data: { userId: "u2", isTyping: false, conversationId: "c1" } });
    expect(screen.getByTestId("typing").textContent).toBe("");

    // a new message while the thread is open is read at once
    await ipc.emitEvent("link://event", incoming({ id: "m2", content: "Still there?" }));
    expect(ipc.callsOf("mark_as_read").at(-1)).toEqual({ conversationId: "c1", messageIds: ["m2"] });

    await act(async () => {
      window.dispatchEvent(new Event("blur"));
    });
    expect(ipc.callsOf("set_focus").at(-1)).toEqual({ conversationId: null });
    await focusWindow();
    expect(ipc.callsOf("set_focus").at(-1)).toEqual({ conversationId: "c1" });
    await userEvent.click(screen.getByRole("button", { name: "Back to conversations" }));
    expect(ipc.callsOf("set_focus").at(-1)).toEqual({ conversationId: null });
  });

  it("sends typing once per burst and a stop after 2 s idle", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const ipc = installIpc();
    await renderApp();
    await ipc.emitEvent("link://event", incoming());
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    await user.click(screen.getByRole("tab", { name: /Messages/ }));
    await user.click(screen.getByTestId("conversation"));
    await user.type(screen.getByLabelText("Message"), "typing away");
    expect(ipc.callsOf("send_typing")).toEqual([{ isTyping: true, conversationId: "c1" }]);
    await act(async () => {
      vi.advanceTimersByTime(2100);
    });
    expect(ipc.callsOf("send_typing")).toEqual([
      { isTyping: true, conversationId: "c1" },
      { isTyping: false, conversationId: "c1" },
    ]);
  });
});

describe("people", () => {
  it("tracks presence and sets own status", async () => {
    const ipc = installIpc({ handlers: { update_status: () => delivery({ event: "updateStatus", entryId: 3 }) } });
    await renderApp();
    await ipc.emitEvent("link://event", { event: "userOnline", data: { userId: "u2", name: "Ana" } });
    await ipc.emitEvent("link://event", { event: "userOnline", data: { userId: "u3", name: "Ben" } });
    await ipc.emitEvent("link://event", { event: "statusUpdated", data: { userId: "u3", status: "busy" } });
    await ipc.emitEvent("link://event", { event: "userOffline", data: { userId: "u2" } });
    await openTab(/People/);
    const people = screen.getAllByTestId("person").map((p) => p.textContent);
    expect(people[0]).toContain("Ben");
    expect(people[0]).toContain("Busy");
    expect(people[1]).toContain("Ana");
    expect(people[1]).toContain("Offline");
    await userEvent.click(screen.getByLabelText("Away"));
    expect(ipc.callsOf("update_status")).toEqual([{ status: "away" }]);
    expect((screen.getByLabelText("Away") as HTMLInputElement).checked).toBe(true);
  });
});

describe("settings & diagnostics", () => {
  it("saves the server, signs in and out, toggles popups, DND and autostart", async () => {
    const ipc = installIpc({
      snapshot: { keyring: "memoryOnly" },
      handlers: {
        update_settings: (a) => ({ ...(ipc.handlers.get_settings({}) as object), ...(a.patch as object) }),
        sign_in: () => null,
        sign_out: () => null,
        set_dnd: () => null,
      },
    });
    await renderApp();
    await openTab(/Settings/);
    expect(screen.getByTestId("keyring").textContent).toContain("memory only");
    const url = screen.getByLabelText("Server URL");
    await userEvent.clear(url);
    await userEvent.type(url, "https://alora.example");
    await userEvent.click(screen.getByRole("button", { name: "Save" }));
    expect(ipc.callsOf("update_settings")[0]).toEqual({
      patch: { serverUrl: "https://alora.example", socketPath: "/socket/notification", userId: "me", caCert: null, signInTimeoutSecs: 300 },
    });
    await userEvent.type(screen.getByLabelText("Access token"), "jwt.token.here");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect(ipc.callsOf("sign_in")).toEqual([{ token: "jwt.token.here" }]);
    await userEvent.click(screen.getByRole("button", { name: "Sign out" }));
    expect(ipc.callsOf("sign_out")).toHaveLength(1);
    await userEvent.click(screen.getByRole("switch", { name: "Popup for someone comes online" }));
    expect(ipc.callsOf("update_settings")[1]).toEqual({
      patch: { popups: { bookingRequest: true, newNotification: true, bookingUpdated: true, newMessage: true, userOnline: true, userOffline: false } },
    });
    await userEvent.click(screen.getByRole("switch", { name: /Do not disturb/ }));
    expect(ipc.callsOf("set_dnd")).toEqual([{ on: true }]);
    await userEvent.click(screen.getByRole("switch", { name: /Start at login/ }));
    expect(ipc.callsOf("update_settings")[2]).toEqual({ patch: { startAtLogin: true } });
  });

  it("in the demo, a saved server is reached by restarting, and a refusal is shown", async () => {
    const ipc = installIpc({
      snapshot: { demo: true },
      settings: { serverUrl: "" },
      handlers: {
        update_settings: (a) => ({ ...(ipc.handlers.get_settings({}) as object), ...(a.patch as object) }),
        leave_demo: () => {
          throw { code: "invalid_input", message: "the demo was asked for (--demo or ALORA_USE_MOCK_SOCKET): start Alora without it" };
        },
      },
    });
    await renderApp();
    await openTab(/Settings/);
    const notice = screen.getByTestId("leave-demo");
    expect(notice.textContent).toContain("Save your server");
    expect(within(notice).queryByRole("button")).toBeNull();
    const url = screen.getByLabelText("Server URL");
    await userEvent.type(url, "https://alora.example");
    await userEvent.click(screen.getByRole("button", { name: "Save" }));
    expect(screen.getByTestId("leave-demo").textContent).toContain("Restart to connect to https://alora.example");
    await userEvent.click(screen.getByRole("button", { name: "Restart and connect" }));
    expect(ipc.callsOf("leave_demo")).toHaveLength(1);
    expect(screen.getByRole("alert").textContent).toContain("start Alora without it");
    expect(screen.getByRole("button", { name: "Restart and connect" })).toHaveProperty("disabled", false);
  });

  it("diagnostics show the state history with reasons, counters and version", async () => {
    installIpc();
    await renderApp();
    await openTab(/Diagnostics/);
    await settle();
    expect(screen.getByTestId("version").textContent).toBe("9.9.9");
    expect(screen.getByTestId("state-history").textContent).toContain("connection refused");
    const counters = screen.getByTestId("counters").textContent ?? "";
    expect(counters).toContain("Events in3");
    expect(counters).toContain("Malformed payloads1");
    expect(counters).toContain("Undecodable packets2");
  });
});

describe("diagnostics for a support request", () => {
  it("opens the log folder and copies the report, and says when either fails", async () => {
    const ipc = installIpc({
      handlers: {
        open_log_folder: () => null,
        copy_diagnostics: () => "Alora Tray: 9.9.9 (com.alora.tray)",
      },
    });
    await renderApp();
    await openTab(/Diagnostics/);
    await settle();
    await userEvent.click(screen.getByRole("button", { name: "Open log folder" }));
    expect(ipc.callsOf("open_log_folder")).toHaveLength(1);
    expect(screen.getByTestId("support").textContent).toContain("log folder is open");
    await userEvent.click(screen.getByRole("button", { name: "Copy diagnostics" }));
    expect(ipc.callsOf("copy_diagnostics")).toHaveLength(1);
    expect(screen.getByTestId("support").textContent).toContain("Diagnostics copied");
  });

  it("shows the reason when the folder cannot be opened", async () => {
    installIpc({
      handlers: {
        open_log_folder: () => {
          throw { code: "unavailable", message: "cannot run xdg-open: not found" };
        },
      },
    });
    await renderApp();
    await openTab(/Diagnostics/);
    await settle();
    await userEvent.click(screen.getByRole("button", { name: "Open log folder" }));
    expect(screen.getByRole("alert").textContent).toContain("cannot run xdg-open");
  });
});

describe("diagnostics outbox", () => {
  const entry = (id: number, status: string, event = "sendMessage") => ({
    id,
    outgoing: { event, payload: { conversationId: "c1", content: `m${id}`, bookingId: `b${id}`, status: "confirmed" } },
    status,
    attempts: status === "pending" ? 0 : 1,
    queuedAt: NOW,
    lastError: status === "failed" ? "no ack" : null,
  });

  it("offers discard only for entries not on their way, retry only for failed ones", async () => {
    const ipc = installIpc({
      outbox: [
        entry(1, "inFlight"),
        entry(2, "written", "bookingUpdate"),
        entry(3, "pending"),
        entry(4, "failed"),
      ] as never,
      handlers: { discard_outbox: () => null, retry_outbox: () => null },
    });
    await renderApp();
    await openTab(/Diagnostics/);
    await settle();
    const rows = screen.getAllByTestId("outbox-entry");
    expect(rows).toHaveLength(4);
    const chip = (i: number) => rows[i].querySelector(".chip")?.textContent;
    const button = (i: number, name: string) => within(rows[i]).queryByRole("button", { name });
    expect(button(0, "Discard")).toBeNull();
    expect(button(1, "Discard")).toBeNull();
    expect(button(0, "Retry")).toBeNull();
    expect(button(2, "Retry")).toBeNull();
    expect([chip(0), chip(1), chip(2), chip(3)]).toEqual(["Sending", "Sent, unconfirmed", "Waiting", "Failed"]);
    await userEvent.click(button(2, "Discard")!);
    await userEvent.click(button(3, "Retry")!);
    await userEvent.click(button(3, "Discard")!);
    expect(ipc.callsOf("discard_outbox")).toEqual([{ entryId: 3 }, { entryId: 4 }]);
    expect(ipc.callsOf("retry_outbox")).toEqual([{ entryId: 4 }]);
  });

  it("says when the outbox could not be written to disk", async () => {
    installIpc({ snapshot: { outbox: { pending: 1, failed: 0, storageFailed: true } as never } });
    await renderApp();
    await openTab(/Diagnostics/);
    await settle();
    expect(screen.getByTestId("outbox-storage").textContent).toContain("could not be written");
  });
});

describe("app://navigate", () => {
  it("switches view and opens the item", async () => {
    const ipc = installIpc();
    await renderApp();
    await ipc.emitEvent("link://event", {
      event: "newMessage",
      data: { id: "m1", conversationId: "c7", senderId: "u2", content: "yo", createdAt: NOW },
    });
    await ipc.emitEvent("app://navigate", { view: "messages", id: "c7" });
    expect(screen.getByRole("tab", { name: /Messages/ }).getAttribute("aria-selected")).toBe("true");
    expect(screen.getByRole("log", { name: /Messages in/ }).textContent).toContain("yo");
    await ipc.emitEvent("app://navigate", { view: "settings", id: null });
    expect(screen.getByRole("heading", { name: "Settings" })).toBeTruthy();
  });

  it("tabs are keyboard reachable with arrow keys", async () => {
    installIpc();
    await renderApp();
    const first = screen.getByRole("tab", { name: /Notifications/ });
    first.focus();
    fireEvent.keyDown(first, { key: "ArrowRight" });
    expect(document.activeElement).toBe(screen.getByRole("tab", { name: /Bookings/ }));
    expect(screen.getByRole("heading", { name: "Bookings" })).toBeTruthy();
    fireEvent.keyDown(document.activeElement!, { key: "End" });
    await settle();
    expect(screen.getByRole("heading", { name: "Diagnostics" })).toBeTruthy();
  });
});

describe("source rules", () => {
  const files = (dir: string): string[] =>
    readdirSync(dir).flatMap((f) => {
      const p = join(dir, f);
      return statSync(p).isDirectory() ? files(p) : /\.(ts|tsx)$/.test(f) && !/\.test\./.test(f) && !p.includes("/test/") ? [p] : [];
    });
  const src = join(__dirname, "..");

  it("never renders HTML from strings", () => {
    for (const f of files(src)) expect(readFileSync(f, "utf8"), f).not.toMatch(/dangerouslySetInnerHTML|innerHTML/);
  });

  it("only api.ts talks to invoke/listen", () => {
    for (const f of files(src)) {
      if (f.endsWith("api.ts")) continue;
      expect(readFileSync(f, "utf8"), f).not.toMatch(/@tauri-apps\/api/);
    }
  });
});
