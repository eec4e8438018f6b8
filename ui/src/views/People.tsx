// The People view: our own status (a radio group) and others' presence.

import { useAlora } from "../AloraProvider";
import { USER_STATUSES, type UserStatus } from "../api";
import { capitalize, formatDateTime } from "../format";
import { isUserStatus, sortedPeople } from "../state";
import { useFocusTarget } from "./useFocusTarget";

const STATUS_HINT: Record<UserStatus, string> = {
  available: "Available",
  busy: "Busy",
  away: "Away",
  offline: "Offline",
};

export function PeopleView() {
  const { state, actions } = useAlora();
  const highlighted = useFocusTarget("people");
  const own = state.app?.status ?? "available";
  const people = sortedPeople(state.people);
  const online = people.filter((p) => p.online).length;

  return (
    <section className="view" aria-labelledby="h-people">
      <div className="view-head">
        <h1 id="h-people">People</h1>
        <span className="muted small">{online} online</span>
      </div>
      <fieldset className="segmented" aria-describedby="own-status-hint">
        <legend>Your status</legend>
        {USER_STATUSES.map((s) => (
          <label key={s} className={`seg${own === s ? " is-on" : ""}`}>
            <input
              type="radio"
              name="own-status"
              value={s}
              checked={own === s}
              onChange={() => void actions.setOwnStatus(s)}
            />
            <span className={`dot status-${s}`} aria-hidden="true" />
            {STATUS_HINT[s]}
          </label>
        ))}
      </fieldset>
      <p id="own-status-hint" className="muted small">
        {state.app?.userId ? `Signed in as ${state.app.userId}. ` : ""}Others see this status.
      </p>
      {people.length === 0 ? (
        <p className="empty">Nobody has come or gone yet. People appear here as they come online.</p>
      ) : (
        <ul className="list" aria-label="People">
          {people.map((p) => {
            const status = p.online ? (p.status && isUserStatus(p.status) ? p.status : "available") : "offline";
            const label = p.status ?? (p.online ? "online" : "offline");
            return (
              <li
                key={p.userId}
                className={`card person${highlighted === p.userId ? " highlight" : ""}`}
                data-item-id={p.userId}
                data-testid="person"
                tabIndex={-1}
              >
                <span className={`dot status-${status}`} aria-hidden="true" />
                <span className="grow">
                  <span className="card-title">{p.name ?? p.userId}</span>
                  {p.name && <span className="muted small"> · {p.userId}</span>}
                </span>
                <span className="small">
                  {p.online ? capitalize(label) : "Offline"}
                  <span className="muted"> · {formatDateTime(p.lastSeen)}</span>
                </span>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
