// The Bookings view: bookings heard of, latest first, with the status
// actions and the pending or failed state of the one we asked for.

import { useAlora } from "../AloraProvider";
import { capitalize, formatDateTime } from "../format";
import { sortedBookings, type Booking } from "../state";
import { useFocusTarget } from "./useFocusTarget";

const ACTIONS: { status: string; label: string }[] = [
  { status: "confirmed", label: "Confirm" },
  { status: "cancelled", label: "Cancel" },
  { status: "completed", label: "Complete" },
];

/** A request waiting for the provider is answered, as from its popup (PROTOCOL.md). */
const ANSWERS: { status: string; label: string }[] = [
  { status: "confirmed", label: "Accept" },
  { status: "declined", label: "Decline" },
];

const isRequest = (s: string | null) => ["pending", "requested"].includes((s ?? "").toLowerCase());

function statusClass(s: string | null): string {
  switch ((s ?? "").toLowerCase()) {
    case "confirmed":
      return "chip-ok";
    case "completed":
      return "chip-done";
    case "cancelled":
    case "canceled":
    case "rejected":
    case "declined":
      return "chip-bad";
    default:
      return "";
  }
}

function BookingCard({ b, highlighted }: { b: Booking; highlighted: boolean }) {
  const { actions } = useAlora();
  const name = b.title || `Booking ${b.bookingId}`;
  const pending = b.pending;
  return (
    <li
      className={`card${highlighted ? " highlight" : ""}`}
      data-item-id={b.bookingId}
      data-testid="booking"
      tabIndex={-1}
      aria-label={name}
    >
      <div className="card-head">
        <span className="card-title">{name}</span>
        <span className={`chip ${statusClass(b.status)}`} data-testid="booking-status">
          {b.status ? capitalize(b.status) : "Unknown"}
        </span>
      </div>
      {b.message && <p className="card-body">{b.message}</p>}
      <p className="muted small">
        #{b.bookingId}
        {b.updatedBy ? ` · by ${b.updatedBy}` : ""} · {formatDateTime(b.updatedAt)}
      </p>
      {pending && (
        <p className={`pending-line ${pending.state === "failed" ? "is-failed" : ""}`} role="status" data-testid="booking-pending">
          {pending.state === "failed" ? (
            <>
              <span>
                Couldn't send “{capitalize(pending.status)}”{pending.error ? `: ${pending.error}` : ""}
              </span>
              <button type="button" className="btn btn-small" onClick={() => void actions.retryBooking(b.bookingId)}>
                Retry
              </button>
            </>
          ) : (
            <span>
              <span className="spinner" aria-hidden="true" /> Pending: {capitalize(pending.status)} — waiting for the server
            </span>
          )}
        </p>
      )}
      <div className="card-actions" role="group" aria-label={`Actions for ${name}`}>
        {(isRequest(b.status) ? ANSWERS : ACTIONS).map((a) => (
          <button
            key={a.status}
            type="button"
            className={`btn btn-small${a.status === "cancelled" || a.status === "declined" ? " btn-danger" : ""}`}
            disabled={pending?.state === "pending" || b.status?.toLowerCase() === a.status}
            onClick={() => void actions.updateBooking(b.bookingId, a.status)}
          >
            {a.label}
          </button>
        ))}
      </div>
    </li>
  );
}

export function BookingsView() {
  const { state } = useAlora();
  const highlighted = useFocusTarget("bookings");
  const bookings = sortedBookings(state.bookings);
  return (
    <section className="view" aria-labelledby="h-bookings">
      <div className="view-head">
        <h1 id="h-bookings">Bookings</h1>
        <span className="muted small">{bookings.length} seen</span>
      </div>
      {bookings.length === 0 ? (
        <p className="empty">Bookings show up here when an update about one arrives.</p>
      ) : (
        <ul className="list" aria-label="Bookings, latest first">
          {bookings.map((b) => (
            <BookingCard key={b.bookingId} b={b} highlighted={highlighted === b.bookingId} />
          ))}
        </ul>
      )}
    </section>
  );
}
