// What a popup's button did, shown by an open window as if its own button had
// (app://sent-from-popup), and a conversation opened from a popup ready to type.

import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { delivery, installIpc, NOW, renderApp } from "../test/ipc";

const request = {
  event: "bookingUpdated",
  data: { bookingId: "b7", status: "pending", title: "Massage with Ana", message: null, updatedBy: null },
};

describe("sent from a popup", () => {
  it("an Accept shows the booking pending until the echo", async () => {
    const ipc = installIpc();
    await renderApp();
    await ipc.emitEvent("link://event", request);
    await userEvent.click(screen.getByRole("tab", { name: /Bookings/ }));
    const card = screen.getByTestId("booking");
    expect(within(card).queryByTestId("booking-pending")).toBeNull();

    await ipc.emitEvent("app://sent-from-popup", {
      kind: "bookingAnswer",
      bookingId: "b7",
      status: "confirmed",
      delivery: delivery({ event: "bookingUpdate", entryId: 5, outcome: { kind: "queued" } }),
      error: null,
    });
    expect(within(card).getByTestId("booking-pending").textContent).toContain("Confirmed");
    expect((within(card).getByRole("button", { name: "Accept" }) as HTMLButtonElement).disabled).toBe(true);

    await ipc.emitEvent("link://event", { event: "bookingUpdated", data: { bookingId: "b7", status: "confirmed", updatedBy: "me" } });
    expect(within(card).queryByTestId("booking-pending")).toBeNull();
    expect(within(card).getByTestId("booking-status").textContent).toBe("Confirmed");
    expect(ipc.callsOf("send_booking_update")).toEqual([]);
  });

  it("an Accept that could not be queued shows the failure, and Retry sends it", async () => {
    const ipc = installIpc({
      handlers: { send_booking_update: () => delivery({ event: "bookingUpdate", entryId: 6, outcome: { kind: "queued" } }) },
    });
    await renderApp();
    await ipc.emitEvent("link://event", request);
    await userEvent.click(screen.getByRole("tab", { name: /Bookings/ }));
    await ipc.emitEvent("app://sent-from-popup", {
      kind: "bookingAnswer",
      bookingId: "b7",
      status: "declined",
      delivery: null,
      error: "the database is busy",
    });
    const pending = screen.getByTestId("booking-pending");
    expect(pending.textContent).toContain("Declined");
    expect(pending.textContent).toContain("the database is busy");
    await userEvent.click(within(pending).getByRole("button", { name: "Retry" }));
    expect(ipc.callsOf("send_booking_update")).toEqual([{ bookingId: "b7", status: "declined" }]);
    expect(screen.getByTestId("booking-pending").textContent).toContain("Pending");
  });

  it("a reply shows in its conversation, pending, then sent", async () => {
    const ipc = installIpc();
    await renderApp();
    await ipc.emitEvent("link://event", {
      event: "newMessage",
      data: { id: "m1", conversationId: "c1", senderId: "u2", senderName: "Maya", content: "Are you coming?", createdAt: NOW },
    });
    await ipc.emitEvent("app://sent-from-popup", {
      kind: "message",
      conversationId: "c1",
      content: "On my way",
      delivery: delivery({ event: "sendMessage", entryId: 8, clientId: "k-1", outcome: { kind: "queued" } }),
    });
    await ipc.emitEvent("app://navigate", { view: "messages", id: "c1" });
    const own = screen.getAllByTestId("message").filter((li) => li.classList.contains("own"));
    expect(own).toHaveLength(1);
    expect(own[0].textContent).toContain("On my way");
    expect(within(own[0]).getByTestId("delivery").textContent).toBe("Pending");
    await ipc.emitEvent("outbox://delivery", delivery({ event: "sendMessage", entryId: 8, clientId: "k-1", outcome: { kind: "acked", ack: { ok: true } } }));
    expect(within(own[0]).getByTestId("delivery").textContent).toBe("Sent");
  });

  it("a conversation opened from a popup has the composer focused", async () => {
    const ipc = installIpc();
    await renderApp();
    await ipc.emitEvent("link://event", {
      event: "newMessage",
      data: { id: "m1", conversationId: "c1", senderId: "u2", senderName: "Maya", content: "Hi", createdAt: NOW },
    });
    expect(document.activeElement).not.toBe(screen.queryByLabelText("Message"));
    await ipc.emitEvent("app://navigate", { view: "messages", id: "c1" });
    expect(document.activeElement).toBe(screen.getByLabelText("Message"));
    // Focus moved away, then the popup's Reply again: back in the composer.
    (document.activeElement as HTMLElement).blur();
    await ipc.emitEvent("app://navigate", { view: "messages", id: "c1" });
    expect(document.activeElement).toBe(screen.getByLabelText("Message"));
  });
});
