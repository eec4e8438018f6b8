import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { installIpc, renderApp, snapshot } from "../test/ipc";
import { cleartextWarning } from "./Settings";

async function openSettings() {
  await renderApp();
  await userEvent.click(screen.getByRole("tab", { name: /Settings/ }));
}

async function typeUrl(url: string) {
  const input = screen.getByLabelText("Server URL");
  await userEvent.clear(input);
  await userEvent.type(input, url);
}

describe("a server URL that would send the token in clear", () => {
  it("is plain http:// (or ws://) to a host other than this machine", () => {
    expect(cleartextWarning("http://alora.example:6001")).toContain("unencrypted");
    expect(cleartextWarning("ws://10.0.0.5")).toContain("unencrypted");
    expect(cleartextWarning(" HTTP://Alora.Example ")).toContain("alora.example");
    for (const fine of ["https://alora.example", "wss://alora.example", "http://localhost:6001", "http://127.0.0.1:9", "http://[::1]:6001", "http://app.localhost", "", "not a url"]) {
      expect(cleartextWarning(fine), fine).toBeNull();
    }
  });

  it("is warned about in Settings as it is typed", async () => {
    installIpc();
    await openSettings();
    // The saved one (localhost) is fine.
    expect(screen.queryByTestId("cleartext-warning")).toBeNull();
    await typeUrl("http://alora.example");
    expect(screen.getByTestId("cleartext-warning").textContent).toContain("unencrypted");
    await typeUrl("https://alora.example");
    expect(screen.queryByTestId("cleartext-warning")).toBeNull();
  });

  it("is warned about while it is the saved server", async () => {
    installIpc({ settings: { serverUrl: "http://10.1.2.3:6001" } });
    await openSettings();
    expect(screen.getByTestId("cleartext-warning").textContent).toContain("10.1.2.3");
  });
});

describe("saving a server on another host", () => {
  it("says that it signs out, and shows the account signed out once saved", async () => {
    let signedIn = true;
    const ipc = installIpc({
      handlers: {
        get_snapshot: () => snapshot({ signedIn }),
        update_settings: (a) => {
          signedIn = false; // the app forgets the token
          return { ...(ipc.handlers.get_settings({}) as object), ...(a.patch as object) };
        },
      },
    });
    await openSettings();
    expect(screen.getByTestId("signed-in").textContent).toContain("Signed in");
    await typeUrl("http://localhost:7000");
    expect(screen.queryByTestId("host-change")).toBeNull();
    await typeUrl("https://alora.example");
    expect(screen.getByTestId("host-change").textContent).toContain("sign in again");
    await userEvent.click(screen.getByRole("button", { name: "Save" }));
    expect(ipc.callsOf("update_settings")).toHaveLength(1);
    expect(screen.getByTestId("signed-in").textContent).toContain("Not signed in");
  });
});

describe("the time to finish signing in in the browser", () => {
  it("shows the setting in minutes and saves it in seconds", async () => {
    const ipc = installIpc({ settings: { signInTimeoutSecs: 600 } });
    await openSettings();
    const field = screen.getByLabelText("Minutes to finish signing in in the browser");
    expect((field as HTMLInputElement).value).toBe("10");
    await userEvent.clear(field);
    await userEvent.type(field, "15");
    await userEvent.click(screen.getByRole("button", { name: "Save" }));
    expect(ipc.callsOf("update_settings")[0]).toMatchObject({ patch: { signInTimeoutSecs: 900 } });
  });
});
