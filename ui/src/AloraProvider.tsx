// The context that holds the UI state's store, its Actions and the window's
// focus, with the effects that belong to the window's life: the app's event
// subscriptions (cleaned on unmount), the typing indicators' expiry, and
// telling the app which conversation is on screen. Views read it through
// the hooks in src/hooks.

import { createContext, useContext, useEffect, useMemo, useRef, useState, useSyncExternalStore, type ReactNode } from "react";
import * as api from "./api";
import { makeActions, type Actions } from "./provider/actions";
import { subscribeToApp } from "./provider/events";
import { createStore, systemStamps } from "./provider/store";
import { initialState, reducer, type State } from "./state";

export type { Actions };

export type AloraContextValue = { state: State; actions: Actions; windowFocused: boolean };

const AloraContext = createContext<AloraContextValue | null>(null);

export function useAlora(): AloraContextValue {
  const v = useContext(AloraContext);
  if (!v) throw new Error("useAlora must be used inside <AloraProvider>");
  return v;
}

function useWindowFocus(): boolean {
  const [focused, setFocused] = useState(() => (typeof document !== "undefined" ? document.hasFocus() : true));
  useEffect(() => {
    const on = () => setFocused(true);
    const off = () => setFocused(false);
    window.addEventListener("focus", on);
    window.addEventListener("blur", off);
    return () => {
      window.removeEventListener("focus", on);
      window.removeEventListener("blur", off);
    };
  }, []);
  return focused;
}

export function AloraProvider({ children, initial }: { children: ReactNode; initial?: Partial<State> }) {
  const [{ store, actions, clock }] = useState(() => {
    const clock = systemStamps();
    const store = createStore(reducer, { ...initialState, ...initial });
    return { store, actions: makeActions(store, clock), clock };
  });
  const state = useSyncExternalStore(store.subscribe, store.getState);
  const windowFocused = useWindowFocus();
  const focusedRef = useRef(windowFocused);
  focusedRef.current = windowFocused;

  useEffect(() => subscribeToApp(store, clock, actions, () => focusedRef.current), [store, clock, actions]);

  // expire typing indicators whose "stop" never came
  const anyTyping = Object.values(state.chat.conversations).some((c) => Object.keys(c.typing).length > 0);
  useEffect(() => {
    if (!anyTyping) return;
    const t = setInterval(() => store.dispatch({ type: "typingExpired", now: clock.nowMs() }), 1000);
    return () => clearInterval(t);
  }, [anyTyping, store, clock]);

  // tell the app which conversation is on screen, so it skips its popups
  const focusTarget = state.nav.view === "messages" && windowFocused ? state.nav.openConversation : null;
  const sentFocus = useRef<string | null>(null);
  useEffect(() => {
    if (sentFocus.current === focusTarget) return;
    sentFocus.current = focusTarget;
    api.setFocus(focusTarget).catch(() => undefined);
  }, [focusTarget]);
  useEffect(
    () => () => {
      if (sentFocus.current !== null) api.setFocus(null).catch(() => undefined);
    },
    [],
  );

  const value = useMemo(() => ({ state, actions, windowFocused }), [state, actions, windowFocused]);
  return <AloraContext.Provider value={value}>{children}</AloraContext.Provider>;
}
