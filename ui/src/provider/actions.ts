// The Actions the views call: the app's commands with what the UI shows for
// them (link, inbox, outbox, settings, account, own status, navigation,
// toasts), plus the chat and bookings ones (chatActions.ts). The only code
// besides the hooks that calls src/api.ts; it stamps times and ids on the
// actions it dispatches.

import * as api from "../api";
import { ApiError, type Delivery, type NavView, type SettingsPatch, type UserStatus } from "../api";
import type { MainView, Toast } from "../state";
import { chatActions, type ChatActions } from "./chatActions";
import type { Stamps, Store } from "./store";

export type Actions = ChatActions & {
  refreshSnapshot: () => Promise<void>;
  refreshSettings: () => Promise<void>;
  refreshHistory: () => Promise<void>;
  refreshOutbox: () => Promise<void>;
  refreshSnoozed: () => Promise<void>;
  /** The item's popup goes and comes back in `minutes` (10 or 60); false (and a toast) when refused. */
  snoozeHistory: (id: string, minutes: number) => Promise<boolean>;
  connect: () => Promise<void>;
  reconnectNow: () => Promise<void>;
  disconnect: () => Promise<void>;
  setOwnStatus: (status: UserStatus) => Promise<Delivery | null>;
  markHistoryRead: (ids: string[]) => Promise<void>;
  saveSettings: (patch: SettingsPatch, done?: string) => Promise<boolean>;
  /** Saves without a toast: the app's refusal (`invalid_input`, ...) is returned for the view to show. */
  trySaveSettings: (patch: SettingsPatch) => Promise<ApiError | null>;
  setDnd: (on: boolean) => Promise<void>;
  /** Alora's Do Not Disturb until the next morning (the quiet hours' end). */
  dndUntilTomorrow: () => Promise<boolean>;
  retryOutbox: (entryId: number) => Promise<void>;
  discardOutbox: (entryId: number) => Promise<void>;
  setView: (view: MainView) => void;
  navigate: (view: NavView, id: string | null) => void;
  openConversation: (id: string | null) => void;
  toast: (t: Omit<Toast, "id">) => void;
  dismissToast: (id: number) => void;
  reportError: (e: unknown, title?: string) => void;
};

export function makeActions(store: Store, stamps: Stamps): Actions {
  const { dispatch, getState } = store;
  const toast = (t: Omit<Toast, "id">) => dispatch({ type: "toast", toast: { ...t, id: stamps.id() } });
  const reportError = (e: unknown, title = "Something went wrong") =>
    toast({ kind: "error", title, body: ApiError.from(e).message, target: null });
  /** Runs `f`; a failure becomes a toast titled `title`. */
  const guard = (title: string, f: () => Promise<unknown>) => async () => {
    try {
      await f();
    } catch (e) {
      reportError(e, title);
    }
  };

  const refreshSnapshot = guard("Couldn't read the app state", async () =>
    dispatch({ type: "snapshot", snapshot: await api.getSnapshot() }),
  );
  const refreshSettings = guard("Couldn't read the settings", async () =>
    dispatch({ type: "settings", settings: await api.getSettings() }),
  );
  const refreshHistory = guard("Couldn't load notifications", async () =>
    dispatch({ type: "history", items: await api.listHistory({ limit: 500 }) }),
  );
  const refreshOutbox = guard("Couldn't read the outbox", async () =>
    dispatch({ type: "outbox", entries: await api.listOutbox() }),
  );

  const refreshSnoozed = guard("Couldn't read the snoozes", async () =>
    dispatch({ type: "snoozed", list: await api.listSnoozed() }),
  );
  const snoozeHistory = async (id: string, minutes: number) => {
    try {
      dispatch({ type: "snoozed", list: await api.snoozeHistory(id, minutes) });
      return true;
    } catch (e) {
      reportError(e, "Couldn't snooze");
      return false;
    }
  };

  const setOwnStatus = async (status: UserStatus) => {
    const before = getState().app?.status;
    dispatch({ type: "ownStatus", status });
    try {
      return await api.updateStatus(status);
    } catch (e) {
      if (before) dispatch({ type: "ownStatus", status: before });
      reportError(e, "Couldn't update your status");
      return null;
    }
  };

  const markHistoryRead = async (ids: string[]) => {
    dispatch({ type: "historyRead", ids });
    try {
      await api.markHistoryRead(ids);
    } catch (e) {
      reportError(e, "Couldn't mark as read");
      await refreshHistory();
    }
  };

  const trySaveSettings = async (patch: SettingsPatch) => {
    try {
      dispatch({ type: "settings", settings: await api.updateSettings(patch) });
      return null;
    } catch (e) {
      return ApiError.from(e, "update_settings");
    }
  };

  const saveSettings = async (patch: SettingsPatch, done?: string) => {
    const failed = await trySaveSettings(patch);
    if (failed) {
      reportError(failed, "Couldn't save the settings");
      return false;
    }
    if (done) toast({ kind: "success", title: done, body: "", target: null });
    return true;
  };

  const setDnd = async (on: boolean) => {
    const before = getState().settings;
    if (before) {
      // off ends "until tomorrow" too (the app clears dndUntil)
      const attention = on ? before.attention : { ...before.attention, dndUntil: null };
      dispatch({ type: "settings", settings: { ...before, dnd: on, attention } });
    }
    try {
      await api.setDnd(on);
    } catch (e) {
      if (before) dispatch({ type: "settings", settings: before });
      reportError(e, "Couldn't change Do not disturb");
    }
  };

  const dndUntilTomorrow = async () => {
    try {
      dispatch({ type: "settings", settings: await api.dndUntilTomorrow() });
      return true;
    } catch (e) {
      reportError(e, "Couldn't turn on Do not disturb");
      return false;
    }
  };

  return {
    ...chatActions(store, stamps, reportError),
    refreshSnapshot,
    refreshSettings,
    refreshHistory,
    refreshOutbox,
    refreshSnoozed,
    snoozeHistory,
    connect: guard("Couldn't connect", api.connect),
    reconnectNow: guard("Couldn't reconnect", api.reconnectNow),
    disconnect: guard("Couldn't disconnect", api.disconnect),
    setOwnStatus,
    markHistoryRead,
    saveSettings,
    trySaveSettings,
    setDnd,
    dndUntilTomorrow,
    retryOutbox: async (entryId: number) => {
      await guard("Couldn't retry", () => api.retryOutbox(entryId))();
      await refreshOutbox();
    },
    discardOutbox: async (entryId: number) => {
      await guard("Couldn't discard", () => api.discardOutbox(entryId))();
      await refreshOutbox();
    },
    setView: (view) => dispatch({ type: "setView", view }),
    navigate: (view, id) => dispatch({ type: "navigate", view, id, nonce: stamps.id() }),
    openConversation: (id) => dispatch({ type: "openConversation", id, now: stamps.now() }),
    toast,
    dismissToast: (id) => dispatch({ type: "dismissToast", id }),
    reportError,
  };
}
