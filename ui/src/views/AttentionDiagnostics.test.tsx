import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { Diagnostics } from "../api";
import { diagnostics, installIpc, renderApp, settle } from "../test/ipc";

async function openDiagnostics(over: Partial<Diagnostics>) {
  installIpc({ handlers: { get_diagnostics: () => diagnostics(over) } });
  await renderApp();
  await userEvent.click(screen.getByRole("tab", { name: /Diagnostics/ }));
  await settle();
}

describe("why popups were shown or held", () => {
  it("lists the decisions newest first, each shown or held with its reason", async () => {
    await openDiagnostics({
      decisions: [
        { at: "2030-01-01T21:00:00.000Z", summary: "Booking request: Haircut with Sam", shown: false, why: "quietHours" },
        { at: "2030-01-01T21:01:00.000Z", summary: "New message from Ana", shown: false, why: "desktopDoNotDisturb" },
        { at: "2030-01-01T21:02:00.000Z", summary: "Ben came online", shown: false, why: "coalesced" },
        { at: "2030-01-01T21:03:00.000Z", summary: "Ben went offline", shown: false, why: "kindOff" },
        { at: "2030-01-01T21:04:00.000Z", summary: "Booking request: Haircut with Sam", shown: true, why: "bypass" },
        { at: "2030-01-01T21:09:00.000Z", summary: "Booking request: Haircut with Sam", shown: true, why: "realert" },
      ],
    });
    const list = screen.getByTestId("decisions");
    expect(list.tagName).toBe("OL");
    expect(list.getAttribute("aria-labelledby")).toBe("h-decisions");
    const rows = within(list).getAllByRole("listitem");
    const why = rows.map((r) => within(r).getByTestId("decision-why").textContent);
    expect(why).toEqual([
      "Shown again: not answered yet",
      "Shown through quiet time (urgent)",
      "Held: this kind is off in Settings",
      "Held: part of a burst (in its summary)",
      "Held: the desktop's Do Not Disturb",
      "Held: quiet hours",
    ]);
    const badges = rows.map((r) => r.querySelector(".chip")?.textContent);
    expect(badges).toEqual(["Shown", "Shown", "Held", "Held", "Held", "Held"]);
    expect(rows[0].textContent).toContain("Booking request: Haircut with Sam");
    expect(rows[1].querySelector("time")?.getAttribute("dateTime")).toBe("2030-01-01T21:04:00.000Z");
  });

  it("says when nothing was decided yet", async () => {
    await openDiagnostics({ decisions: [] });
    expect(screen.queryByTestId("decisions")).toBeNull();
    expect(screen.getByText("No popups decided since the app started.")).toBeTruthy();
  });
});

describe("notification server", () => {
  it("shows name, vendor, version, capabilities and the desktop's Do Not Disturb", async () => {
    await openDiagnostics({
      notificationServer: { name: "Plasma", vendor: "KDE", version: "6.1.4", capabilities: ["body", "actions", "inhibitions"] },
      desktopDnd: true,
    });
    const facts = screen.getByTestId("notification-server").textContent ?? "";
    expect(facts).toContain("NamePlasma");
    expect(facts).toContain("VendorKDE");
    expect(facts).toContain("Version6.1.4");
    expect(screen.getByTestId("desktop-dnd").textContent).toBe("on");
    const caps = within(screen.getByRole("list", { name: "Capabilities" })).getAllByRole("listitem");
    expect(caps.map((c) => c.textContent)).toEqual(["body", "actions", "inhibitions"]);
  });

  it("says off, and not reported where the server does not tell", async () => {
    await openDiagnostics({
      notificationServer: { name: "dunst", vendor: "knopwob", version: "1.9", capabilities: [] },
      desktopDnd: false,
    });
    expect(screen.getByTestId("desktop-dnd").textContent).toBe("off");
    expect(screen.getByText("None reported.")).toBeTruthy();
  });

  it("without a server: no answer yet, and its Do Not Disturb not reported", async () => {
    await openDiagnostics({ notificationServer: null, desktopDnd: null });
    expect(screen.getByTestId("no-notification-server").textContent).toContain("No notification server has answered");
    expect(screen.getByTestId("desktop-dnd").textContent).toBe("not reported by this server");
  });
});
