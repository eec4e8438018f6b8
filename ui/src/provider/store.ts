// The one place the UI state lives: a small external store that reduces each
// action once, synchronously (so actions called back to back see the state
// their predecessors left), and tells React through useSyncExternalStore, at
// most once a frame: a flood of events (thousands a second, each its own
// task) then costs one render per frame, not one per event, and the page
// keeps answering.
// Also the dispatch side's stamps: the times and ids that reducers, being
// pure, are handed with the action instead of drawing themselves.

import type { Action, State } from "../state";

export type Store = {
  getState: () => State;
  dispatch: (a: Action) => void;
  subscribe: (listener: () => void) => () => void;
};

/** Runs the listeners later; `immediate` runs them in `dispatch` itself. */
export type Schedule = (notify: () => void) => void;

export const immediate: Schedule = (notify) => notify();

/** About a frame. */
const FRAME_MS = 16;

/** The first change after a quiet spell is told at once (in a task of its
 * own), the rest of a burst at most once a frame. */
export function frameThrottled(): Schedule {
  let last = -Infinity;
  return (notify) => {
    const wait = Math.max(0, last + FRAME_MS - Date.now());
    setTimeout(() => {
      last = Date.now();
      notify();
    }, wait);
  };
}

let defaultSchedule: () => Schedule = frameThrottled;

/** The schedule of stores made from now on; the unit tests' setup renders at once. */
export function setDefaultSchedule(make: () => Schedule): void {
  defaultSchedule = make;
}

export function createStore(
  reducer: (s: State, a: Action) => State,
  initial: State,
  schedule: Schedule = defaultSchedule(),
): Store {
  let state = initial;
  const listeners = new Set<() => void>();
  let pending = false;
  const notify = () => {
    pending = false;
    for (const l of [...listeners]) l();
  };
  return {
    getState: () => state,
    dispatch: (a) => {
      const next = reducer(state, a);
      if (next === state) return;
      state = next;
      if (pending) return;
      pending = true;
      schedule(notify);
    },
    subscribe: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
}

/** Where the times and ids stamped on actions come from (a test may pass its own). */
export type Stamps = {
  /** Now, as the ISO string the app's payloads use. */
  now: () => string;
  /** Now, in ms since the epoch. */
  nowMs: () => number;
  /** A new id, unique in this window (toasts, focus requests). */
  id: () => number;
};

export function systemStamps(): Stamps {
  let last = 0;
  return {
    now: () => new Date().toISOString(),
    nowMs: () => Date.now(),
    id: () => ++last,
  };
}
