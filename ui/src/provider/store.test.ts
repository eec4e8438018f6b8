import { describe, expect, it, vi } from "vitest";
import { initialState, reducer, type Action, type State } from "../state";
import { createStore, frameThrottled, immediate, systemStamps } from "./store";

describe("the store", () => {
  it("reduces each action once, and its state is current right after dispatch", () => {
    const seen: Action[] = [];
    const counting = (s: State, a: Action) => {
      seen.push(a);
      return reducer(s, a);
    };
    const store = createStore(counting, initialState, immediate);
    let notified = 0;
    store.subscribe(() => notified++);
    store.dispatch({ type: "malformed" });
    expect(store.getState().link.malformed).toBe(1);
    store.dispatch({ type: "malformed" });
    expect(store.getState().link.malformed).toBe(2);
    expect(seen).toHaveLength(2);
    expect(notified).toBe(2);
  });

  it("an action that changes nothing keeps the state and tells nobody", () => {
    const store = createStore(reducer, initialState, immediate);
    let notified = 0;
    const unsubscribe = store.subscribe(() => notified++);
    store.dispatch({ type: "joinResult", conversationId: "nobody", ok: true });
    expect(store.getState()).toBe(initialState);
    expect(notified).toBe(0);
    unsubscribe();
    store.dispatch({ type: "malformed" });
    expect(notified).toBe(0);
  });

  it("tells a flood's changes at most once a frame, the state always current", () => {
    vi.useFakeTimers();
    try {
      const store = createStore(reducer, initialState, frameThrottled());
      let notified = 0;
      store.subscribe(() => notified++);
      for (let i = 0; i < 1000; i++) store.dispatch({ type: "malformed" });
      expect(store.getState().link.malformed).toBe(1000);
      expect(notified).toBe(0);
      vi.advanceTimersByTime(0);
      expect(notified).toBe(1);
      for (let i = 0; i < 1000; i++) store.dispatch({ type: "malformed" });
      vi.advanceTimersByTime(5);
      expect(notified).toBe(1);
      vi.advanceTimersByTime(20);
      expect(notified).toBe(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it("stamps new ids, and times as ISO strings", () => {
    const s = systemStamps();
    const a = s.id();
    expect(s.id()).toBeGreaterThan(a);
    const t = s.now();
    expect(new Date(t).toISOString()).toBe(t);
    expect(Number.isFinite(s.nowMs())).toBe(true);
  });
});
