// Test helpers: Tauri's IPC mocked at the API edge with @tauri-apps/api/mocks.

import { render } from "@testing-library/react";
import { emit } from "@tauri-apps/api/event";
import { mockIPC, mockWindows } from "@tauri-apps/api/mocks";
import { act, type ReactElement } from "react";
import type { AppSnapshot, AttentionPrefs, Delivery, Diagnostics, HistoryItem, LinkState, OutboxEntry, Settings } from "../api";
import { AloraProvider } from "../AloraProvider";
import { App } from "../App";

export type Call = { cmd: string; args: Record<string, unknown> };
export type Handler = (args: Record<string, any>) => unknown;

export const NOW = "2030-01-01T12:00:00.000Z";

export function snapshot(over: Partial<AppSnapshot> = {}): AppSnapshot {
  return {
    link: { kind: "connected", since: NOW },
    stats: { eventsIn: 3, malformed: 1, unknownEvents: 0, binaryPayloads: 0, undecodable: 2, oversized: 0, connects: 2, attempts: 4, authRejections: 0, eventsOut: 5 },
    outbox: { pending: 0, failed: 0 },
    demo: false,
    dnd: false,
    status: "available",
    userId: "me",
    signedIn: true,
    keyring: "os",
    notifier: "available",
    unread: 0,
    version: "9.9.9",
    ...over,
  };
}

/** The app's defaults (crates/desktop/src/attention/prefs.rs). */
export function attention(over: Partial<AttentionPrefs> = {}): AttentionPrefs {
  return {
    sounds: { bookingRequest: true, newNotification: false, bookingUpdated: false, newMessage: true, userOnline: false, userOffline: false },
    realert: true,
    realertMinutes: 5,
    quietHours: { enabled: false, from: "19:00", to: "08:00" },
    urgentBypass: false,
    dndUntil: null,
    offlineAlarm: true,
    offlineGraceMinutes: 2,
    ...over,
  };
}

export function settings(over: Partial<Settings> = {}): Settings {
  return {
    serverUrl: "http://localhost:6001",
    socketPath: "/socket/notification",
    userId: "me",
    popups: { bookingRequest: true, newNotification: true, bookingUpdated: true, newMessage: true, userOnline: false, userOffline: false },
    dnd: false,
    startAtLogin: false,
    caCert: null,
    signInTimeoutSecs: 300,
    attention: attention(),
    ...over,
  };
}

export function diagnostics(over: Partial<Diagnostics> = {}): Diagnostics {
  return {
    stateHistory: [
      { at: NOW, state: { kind: "connecting", attempt: 1 } },
      { at: NOW, state: { kind: "reconnecting", attempt: 2, nextInMs: 2000, retryAt: NOW, reason: "connection refused" } },
      { at: NOW, state: { kind: "connected", since: NOW } },
    ],
    stats: snapshot().stats,
    version: "9.9.9",
    demo: false,
    notifier: "available",
    keyring: "os",
    decisions: [],
    notificationServer: null,
    desktopDnd: null,
    ...over,
  };
}

export function historyItem(over: Partial<HistoryItem> & { id: string }): HistoryItem {
  return {
    event: "newNotification",
    title: `Title ${over.id}`,
    body: `Body ${over.id}`,
    createdAt: NOW,
    read: false,
    link: null,
    target: { view: "notifications", id: over.id },
    ...over,
  };
}

export const delivery = (over: Partial<Delivery> & Pick<Delivery, "event">): Delivery => ({
  entryId: null,
  clientId: null,
  outcome: { kind: "sent" },
  ...over,
});

export type Fake = {
  calls: Call[];
  callsOf: (cmd: string) => Record<string, unknown>[];
  handlers: Record<string, Handler>;
  /** Emits an app→UI event and lets React settle. */
  emitEvent: (event: string, payload: unknown) => Promise<void>;
  setLink: (s: LinkState) => Promise<void>;
};

export function installIpc(opts: {
  snapshot?: Partial<AppSnapshot>;
  settings?: Partial<Settings>;
  history?: HistoryItem[];
  outbox?: OutboxEntry[];
  handlers?: Record<string, Handler>;
} = {}): Fake {
  const calls: Call[] = [];
  const handlers: Record<string, Handler> = {
    get_snapshot: () => snapshot(opts.snapshot),
    get_settings: () => settings(opts.settings),
    list_history: () => opts.history ?? [],
    list_outbox: () => opts.outbox ?? [],
    set_focus: () => null,
    send_typing: () => delivery({ event: "typing" }),
    mark_as_read: () => delivery({ event: "markAsRead", entryId: 70 }),
    mark_history_read: (a) => (a.ids as string[]).length,
    list_snoozed: () => [],
    get_diagnostics: () => diagnostics(),
    ...opts.handlers,
  };
  mockWindows("main");
  mockIPC(
    (cmd, args) => {
      const a = (args ?? {}) as Record<string, unknown>;
      calls.push({ cmd, args: a });
      const h = handlers[cmd];
      if (!h) throw { code: "unknownCommand", message: `no mock for ${cmd}` };
      return h(a);
    },
    { shouldMockEvents: true },
  );
  const fake: Fake = {
    calls,
    callsOf: (cmd) => calls.filter((c) => c.cmd === cmd).map((c) => c.args),
    handlers,
    emitEvent: async (event, payload) => {
      await act(async () => {
        await emit(event, payload);
      });
    },
    setLink: (s) => fake.emitEvent("link://state", s),
  };
  return fake;
}

/** Lets pending promises (initial loads, listen() registrations) settle. */
export async function settle(times = 5) {
  for (let i = 0; i < times; i++) {
    await act(async () => {
      await Promise.resolve();
    });
  }
}

export async function renderWithProvider(ui: ReactElement) {
  const r = render(<AloraProvider>{ui}</AloraProvider>);
  await settle();
  return r;
}

export async function renderApp() {
  return renderWithProvider(<App />);
}
