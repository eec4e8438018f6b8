// The outbox slice: the one copy of the outbox counts (from the snapshot,
// then outbox://changed) and the entries the app listed; and what a
// delivery report means for the item that was sent.

import type { Delivery, OutboxCounts, OutboxEntry } from "../api";
import type { Action, DeliveryState } from "./types";

export type OutboxSlice = { entries: OutboxEntry[]; counts: OutboxCounts };

export const initialOutbox: OutboxSlice = { entries: [], counts: { pending: 0, failed: 0 } };

export function outbox(s: OutboxSlice, a: Action): OutboxSlice {
  switch (a.type) {
    case "snapshot":
      return { ...s, counts: a.snapshot.outbox };
    case "outboxCounts":
      return { ...s, counts: a.counts };
    case "outbox":
      return { ...s, entries: a.entries };
    default:
      return s;
  }
}

export function deliveryState(d: Delivery): DeliveryState | null {
  switch (d.outcome.kind) {
    case "queued":
    case "written":
      // written but not yet proven carried: still unconfirmed
      return "pending";
    case "sent":
    case "acked":
    case "delivered":
      return "sent";
    case "failed":
      return "failed";
    default:
      return null;
  }
}
