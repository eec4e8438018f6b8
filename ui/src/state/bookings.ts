// The bookings slice: every booking the UI has heard of (bookingUpdated
// events, and the history after a restart), with the status change we asked
// for while it is pending or failed; `seq` orders the list, latest first.

import type { Delivery, HistoryItem } from "../api";
import { optStr, str, type Action, type Booking, type PendingBooking } from "./types";

export type BookingsSlice = {
  byId: Record<string, Booking>;
  /** The last `seq` given out: a counter in the state, so the reducer stays pure. */
  seq: number;
};

export const initialBookings: BookingsSlice = { byId: {}, seq: 0 };

function withBooking(s: BookingsSlice, b: Booking, seq = s.seq): BookingsSlice {
  return { byId: { ...s.byId, [b.bookingId]: b }, seq };
}

function withPending(s: BookingsSlice, bookingId: string, f: (p: PendingBooking) => PendingBooking): BookingsSlice {
  const b = s.byId[bookingId];
  if (!b?.pending) return s;
  return withBooking(s, { ...b, pending: f(b.pending) });
}

function delivered(s: BookingsSlice, bookingId: string, d: Delivery): BookingsSlice {
  return withPending(s, bookingId, (p) => ({
    ...p,
    entryId: d.entryId ?? p.entryId,
    state: d.outcome.kind === "failed" ? "failed" : "pending",
    error: d.outcome.kind === "failed" ? d.outcome.reason : null,
  }));
}

/** Bookings that only history knows about (after a restart). History is newest first. */
function seed(s: BookingsSlice, items: HistoryItem[]): BookingsSlice {
  const byId = { ...s.byId };
  let seq = s.seq;
  // walk oldest first so the newest wins
  for (const it of [...items].reverse()) {
    const id = it.target.id;
    if (!id || it.target.view !== "bookings") continue;
    const prev = byId[id];
    byId[id] = {
      bookingId: id,
      status: prev?.status ?? null,
      title: it.title || prev?.title || null,
      message: it.body || prev?.message || null,
      updatedBy: prev?.updatedBy ?? null,
      updatedAt: it.createdAt,
      seq: prev?.seq ?? ++seq,
      pending: prev?.pending ?? null,
    };
  }
  return { byId, seq };
}

export function bookings(s: BookingsSlice, a: Action): BookingsSlice {
  switch (a.type) {
    case "history":
      return seed(s, a.items);
    case "historyAdded": {
      // seeding must not override what live events already said
      const seeded = seed(s, [a.item]);
      return { byId: { ...seeded.byId, ...s.byId }, seq: seeded.seq };
    }
    case "incoming": {
      if (a.incoming.event !== "bookingUpdated") return s;
      const d = a.incoming.data;
      const id = str(d.bookingId);
      const prev = s.byId[id];
      const echoed = prev?.pending && prev.pending.status.toLowerCase() === str(d.status).toLowerCase();
      const seq = s.seq + 1;
      return withBooking(
        s,
        {
          bookingId: id,
          status: str(d.status),
          title: optStr(d.title) ?? prev?.title ?? null,
          message: optStr(d.message) ?? prev?.message ?? null,
          updatedBy: optStr(d.updatedBy),
          updatedAt: a.now,
          seq,
          pending: echoed ? null : (prev?.pending ?? null),
        },
        seq,
      );
    }
    case "delivery": {
      const d = a.delivery;
      if (d.event !== "bookingUpdate" || d.entryId === null) return s;
      const b = Object.values(s.byId).find((x) => x.pending?.entryId === d.entryId);
      return b ? delivered(s, b.bookingId, d) : s;
    }
    case "bookingRequested": {
      const prev = s.byId[a.bookingId];
      const seq = prev ? s.seq : s.seq + 1;
      const b: Booking = prev ?? {
        bookingId: a.bookingId,
        status: null,
        title: null,
        message: null,
        updatedBy: null,
        updatedAt: a.now,
        seq,
        pending: null,
      };
      return withBooking(s, { ...b, pending: { status: a.status, entryId: null, state: "pending", error: null } }, seq);
    }
    case "bookingDelivery":
      return delivered(s, a.bookingId, a.delivery);
    case "bookingFailed":
      return withPending(s, a.bookingId, (p) => ({ ...p, state: "failed", error: a.error }));
    default:
      return s;
  }
}

export function sortedBookings(s: BookingsSlice): Booking[] {
  return Object.values(s.byId).sort((a, b) => b.seq - a.seq);
}
