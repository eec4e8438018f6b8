// The link slice: the one copy of the link's state (from link://state, or
// the snapshot until the first event), the connection error shown for it,
// and the count of malformed payloads seen while the window was open.

import type { LinkState } from "../api";
import type { Action } from "./types";

export type LinkSlice = {
  current: LinkState;
  /** True once a link://state event arrived, so a late snapshot doesn't overwrite it. */
  fromEvent: boolean;
  /** What went wrong last, in words; cleared once connected. */
  error: string | null;
  malformed: number;
};

export const initialLink: LinkSlice = { current: { kind: "idle" }, fromEvent: false, error: null, malformed: 0 };

export function linkErrorText(s: LinkState): string | null {
  switch (s.kind) {
    case "reconnecting":
      return s.reason || "Connection lost";
    case "authRequired":
      if (s.reason.kind === "missing") return "Sign-in needed: no token";
      if (s.reason.kind === "expired") return "Sign-in needed: the token has expired";
      return `Sign-in needed: ${s.reason.message || "the server rejected the token"}`;
    default:
      return null;
  }
}

export function link(s: LinkSlice, a: Action): LinkSlice {
  switch (a.type) {
    case "snapshot": {
      const current = s.fromEvent ? s.current : a.snapshot.link;
      return { ...s, current, error: linkErrorText(current) };
    }
    case "linkState":
      return {
        ...s,
        current: a.state,
        fromEvent: true,
        error: a.state.kind === "connected" ? null : (linkErrorText(a.state) ?? s.error),
      };
    case "malformed":
      return { ...s, malformed: s.malformed + 1 };
    default:
      return s;
  }
}
