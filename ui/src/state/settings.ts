// The settings slice: the app's settings as last read, saved or changed
// (settings://changed); null until the first read.

import type { Settings } from "../api";
import type { Action } from "./types";

export type SettingsSlice = Settings | null;

export const initialSettings: SettingsSlice = null;

export function settings(s: SettingsSlice, a: Action): SettingsSlice {
  return a.type === "settings" ? a.settings : s;
}
