// The app slice: what the app's snapshot says about itself (account, own
// status, mode, keyring, notifier, counters, version), kept current by the
// settings and status events. The link state and outbox counts of the
// snapshot go to their own slices, so that each has one copy.

import { isUserStatus, str, type Action, type AppFacts } from "./types";

export type AppSlice = AppFacts | null;

export const initialApp: AppSlice = null;

export function app(s: AppSlice, a: Action): AppSlice {
  switch (a.type) {
    case "snapshot": {
      const { link: _link, outbox: _outbox, ...facts } = a.snapshot;
      return facts;
    }
    case "settings":
      return s ? { ...s, dnd: a.settings.dnd, userId: a.settings.userId ?? s.userId } : null;
    case "ownStatus":
      return s ? { ...s, status: a.status } : s;
    case "incoming": {
      if (a.incoming.event !== "statusUpdated" || !s) return s;
      const status = str(a.incoming.data.status);
      const own = s.userId !== null && str(a.incoming.data.userId) === s.userId;
      return own && isUserStatus(status) ? { ...s, status } : s;
    }
    default:
      return s;
  }
}
