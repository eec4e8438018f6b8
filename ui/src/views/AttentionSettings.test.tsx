import { fireEvent, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { Settings, SettingsPatch } from "../api";
import { attention, installIpc, renderApp, settings, type Fake } from "../test/ipc";

/** The app's update_settings: a patch merged in, attention and its parts too; minutes out of range refused. */
function fakeApp(start: Partial<Settings> = {}) {
  let current = settings(start);
  const ipc: Fake = installIpc({
    settings: start,
    handlers: {
      get_settings: () => current,
      update_settings: (a) => {
        const patch = a.patch as SettingsPatch;
        const at = patch.attention;
        if (at?.realertMinutes != null && (at.realertMinutes < 2 || at.realertMinutes > 30))
          throw { code: "invalid_input", message: "realertMinutes must be between 2 and 30" };
        if (at?.offlineGraceMinutes != null && (at.offlineGraceMinutes < 1 || at.offlineGraceMinutes > 60))
          throw { code: "invalid_input", message: "offlineGraceMinutes must be between 1 and 60" };
        const { attention: _, popups, ...rest } = patch;
        current = {
          ...current,
          ...(rest as Partial<Settings>),
          popups: { ...current.popups, ...(popups as object) },
          attention: {
            ...current.attention,
            ...(at as object),
            sounds: { ...current.attention.sounds, ...(at?.sounds as object) },
          },
        };
        return current;
      },
      set_dnd: (a) => {
        current = { ...current, dnd: a.on as boolean, attention: a.on ? current.attention : { ...current.attention, dndUntil: null } };
        return null;
      },
      dnd_until_tomorrow: () => {
        const t = new Date();
        t.setDate(t.getDate() + 1);
        t.setHours(8, 0, 0, 0);
        current = { ...current, attention: { ...current.attention, dndUntil: t.toISOString() } };
        return current;
      },
    },
  });
  return ipc;
}

async function openSettings() {
  await renderApp();
  await userEvent.click(screen.getByRole("tab", { name: /Settings/ }));
}

describe("popups and sounds per kind", () => {
  it("lists every kind, booking requests first, with a popup and a sound switch", async () => {
    fakeApp();
    await openSettings();
    const rows = screen.getAllByTestId(/^kind-/);
    expect(rows.map((r) => r.querySelector("th")?.textContent)).toEqual([
      "Booking requests",
      "New notifications",
      "Booking updates",
      "New messages",
      "Someone comes online",
      "Someone goes offline",
    ]);
    expect(screen.getByRole("switch", { name: "Popup for booking requests" })).toHaveProperty("checked", true);
    expect(screen.getByRole("switch", { name: "Sound for booking requests" })).toHaveProperty("checked", true);
    expect(screen.getByRole("switch", { name: "Sound for new notifications" })).toHaveProperty("checked", false);
    // no popup, no sound
    const online = screen.getByRole("switch", { name: "Sound for someone comes online" });
    expect(online).toHaveProperty("disabled", true);
  });

  it("toggling a sound sends only that sound", async () => {
    const ipc = fakeApp();
    await openSettings();
    await userEvent.click(screen.getByRole("switch", { name: "Sound for booking requests" }));
    expect(ipc.callsOf("update_settings")).toEqual([{ patch: { attention: { sounds: { bookingRequest: false } } } }]);
    expect(screen.getByRole("switch", { name: "Sound for booking requests" })).toHaveProperty("checked", false);
    await userEvent.click(screen.getByRole("switch", { name: "Sound for new notifications" }));
    expect(ipc.callsOf("update_settings")[1]).toEqual({ patch: { attention: { sounds: { newNotification: true } } } });
    expect(screen.getByRole("switch", { name: "Sound for new notifications" })).toHaveProperty("checked", true);
  });

  it("the booking request popup is a popup preference like the others", async () => {
    const ipc = fakeApp();
    await openSettings();
    await userEvent.click(screen.getByRole("switch", { name: "Popup for booking requests" }));
    expect(ipc.callsOf("update_settings")[0]).toEqual({
      patch: { popups: { bookingRequest: false, newNotification: true, bookingUpdated: true, newMessage: true, userOnline: false, userOffline: false } },
    });
    expect(screen.getByRole("switch", { name: "Sound for booking requests" })).toHaveProperty("disabled", true);
  });
});

describe("Do Not Disturb", () => {
  it("quiet until tomorrow, then resume now", async () => {
    const ipc = fakeApp();
    await openSettings();
    const state = () => screen.getByTestId("dnd-state").textContent;
    expect(state()).toBe("Do Not Disturb: Off");
    expect(screen.queryByRole("button", { name: "Resume now" })).toBeNull();
    await userEvent.click(screen.getByRole("button", { name: "Quiet until tomorrow" }));
    expect(ipc.callsOf("dnd_until_tomorrow")).toEqual([{}]);
    expect(state()).toMatch(/^Do Not Disturb: On until tomorrow at /);
    expect(screen.getByRole("switch", { name: /Do not disturb/ })).toHaveProperty("checked", true);
    await userEvent.click(screen.getByRole("button", { name: "Resume now" }));
    expect(ipc.callsOf("set_dnd")).toEqual([{ on: false }]);
    expect(state()).toBe("Do Not Disturb: Off");
    expect(screen.queryByRole("button", { name: "Resume now" })).toBeNull();
  });

  it("says on, and a dndUntil already past is off", async () => {
    fakeApp({ dnd: true });
    await openSettings();
    expect(screen.getByTestId("dnd-state").textContent).toBe("Do Not Disturb: On");
    expect(screen.queryByRole("button", { name: "Quiet until tomorrow" })).toBeNull();
    expect(screen.getByRole("button", { name: "Resume now" })).toBeTruthy();
  });

  it("a dndUntil in the past is off", async () => {
    fakeApp({ attention: attention({ dndUntil: "2000-01-01T08:00:00Z" }) });
    await openSettings();
    expect(screen.getByTestId("dnd-state").textContent).toBe("Do Not Disturb: Off");
  });

  it("shows the app's refusal of until tomorrow", async () => {
    const ipc = fakeApp();
    ipc.handlers.dnd_until_tomorrow = () => {
      throw { code: "internal", message: "settings file is read-only" };
    };
    await openSettings();
    await userEvent.click(screen.getByRole("button", { name: "Quiet until tomorrow" }));
    expect(screen.getByRole("alert").textContent).toContain("settings file is read-only");
    expect(screen.getByTestId("dnd-state").textContent).toBe("Do Not Disturb: Off");
  });
});

describe("booking requests, quiet hours, offline alarm", () => {
  it("re-alerts: the switch and the minutes, saved when left", async () => {
    const ipc = fakeApp();
    await openSettings();
    await userEvent.click(screen.getByRole("switch", { name: /Re-alert unanswered booking requests/ }));
    expect(ipc.callsOf("update_settings")[0]).toEqual({ patch: { attention: { realert: false } } });
    const minutes = screen.getByLabelText("Minutes between re-alerts");
    expect(minutes).toHaveProperty("value", "5");
    await userEvent.clear(minutes);
    await userEvent.type(minutes, "10{Enter}");
    expect(ipc.callsOf("update_settings")[1]).toEqual({ patch: { attention: { realertMinutes: 10 } } });
    await userEvent.click(screen.getByRole("switch", { name: /Let booking requests through quiet time/ }));
    expect(ipc.callsOf("update_settings")[2]).toEqual({ patch: { attention: { urgentBypass: true } } });
    // emptied and left: back to the saved value, nothing sent
    await userEvent.clear(minutes);
    await userEvent.tab();
    expect(minutes).toHaveProperty("value", "10");
    expect(ipc.callsOf("update_settings")).toHaveLength(3);
  });

  it("shows the app's refusal of minutes out of range, under the field, until a good value", async () => {
    const ipc = fakeApp();
    await openSettings();
    const minutes = screen.getByLabelText("Minutes between re-alerts");
    await userEvent.clear(minutes);
    await userEvent.type(minutes, "45");
    await userEvent.tab();
    expect(ipc.callsOf("update_settings")).toEqual([{ patch: { attention: { realertMinutes: 45 } } }]);
    const error = screen.getByTestId("attention-error");
    expect(error.textContent).toBe("realertMinutes must be between 2 and 30");
    expect(error.getAttribute("role")).toBe("alert");
    expect(minutes.getAttribute("aria-invalid")).toBe("true");
    expect(minutes.getAttribute("aria-describedby")?.split(" ")).toContain(error.id);
    expect(minutes).toHaveProperty("value", "45");
    await userEvent.clear(minutes);
    await userEvent.type(minutes, "30{Enter}");
    expect(screen.queryByTestId("attention-error")).toBeNull();
    expect(minutes.getAttribute("aria-invalid")).toBeNull();
  });

  it("the offline grace minutes are refused out of range too", async () => {
    fakeApp();
    await openSettings();
    const grace = screen.getByLabelText("Grace minutes before the alarm");
    await userEvent.clear(grace);
    await userEvent.type(grace, "0{Enter}");
    expect(screen.getByTestId("attention-error").textContent).toContain("offlineGraceMinutes");
  });

  it("quiet hours: on, from and until as HH:MM", async () => {
    const ipc = fakeApp();
    await openSettings();
    await userEvent.click(screen.getByRole("switch", { name: /Quiet hours every day/ }));
    expect(ipc.callsOf("update_settings")[0]).toEqual({
      patch: { attention: { quietHours: { enabled: true, from: "19:00", to: "08:00" } } },
    });
    const from = screen.getByLabelText("Quiet from");
    expect(from).toHaveProperty("type", "time");
    expect(from).toHaveProperty("value", "19:00");
    fireEvent.change(from, { target: { value: "21:30" } });
    await screen.findByDisplayValue("21:30");
    expect(ipc.callsOf("update_settings")[1]).toEqual({
      patch: { attention: { quietHours: { enabled: true, from: "21:30", to: "08:00" } } },
    });
    fireEvent.change(screen.getByLabelText("Quiet until"), { target: { value: "07:15" } });
    expect(ipc.callsOf("update_settings")[2]).toEqual({
      patch: { attention: { quietHours: { enabled: true, from: "21:30", to: "07:15" } } },
    });
  });

  it("shows the app's refusal of a time", async () => {
    const ipc = fakeApp();
    ipc.handlers.update_settings = () => {
      throw { code: "invalid_input", message: "quietHours.from must be HH:MM" };
    };
    await openSettings();
    fireEvent.change(screen.getByLabelText("Quiet from"), { target: { value: "23:59" } });
    const quiet = screen.getByRole("group", { name: "Quiet hours" });
    expect((await within(quiet).findByRole("alert")).textContent).toBe("quietHours.from must be HH:MM");
  });

  it("offline alarm: the switch and the grace minutes", async () => {
    const ipc = fakeApp();
    await openSettings();
    await userEvent.click(screen.getByRole("switch", { name: /Alarm when Alora is offline/ }));
    expect(ipc.callsOf("update_settings")[0]).toEqual({ patch: { attention: { offlineAlarm: false } } });
    const grace = screen.getByLabelText("Grace minutes before the alarm");
    await userEvent.clear(grace);
    await userEvent.type(grace, "15{Enter}");
    expect(ipc.callsOf("update_settings")[1]).toEqual({ patch: { attention: { offlineGraceMinutes: 15 } } });
  });
});
