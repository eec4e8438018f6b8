// The one place the UI state lives: a small external store that reduces each
// action once, synchronously (so actions called back to back see the state
// their predecessors left), and tells React through useSyncExternalStore.
// Also the dispatch side's stamps: the times and ids that reducers, being
// pure, are handed with the action instead of drawing themselves.

import type { Action, State } from "../state";

export type Store = {
  getState: () => State;
  dispatch: (a: Action) => void;
  subscribe: (listener: () => void) => () => void;
};

export function createStore(reducer: (s: State, a: Action) => State, initial: State): Store {
  let state = initial;
  const listeners = new Set<() => void>();
  return {
    getState: () => state,
    dispatch: (a) => {
      const next = reducer(state, a);
      if (next === state) return;
      state = next;
      for (const l of [...listeners]) l();
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
