// Diagnostics' attention blocks: the last popups decided, newest first, each
// shown or held with its reason, and the desktop's notification server (who
// shows the popups, what it can do, whether its own Do Not Disturb is on).

import type { Decision, NotificationServer } from "../api";
import { formatDateTime, whyText } from "../format";

export function Decisions({ decisions }: { decisions: Decision[] }) {
  // the app keeps them oldest first
  const newest = [...decisions].reverse();
  return (
    <>
      <h2 id="h-decisions">Why popups were shown or held</h2>
      {newest.length === 0 ? (
        <p className="muted small">No popups decided since the app started.</p>
      ) : (
        <ol className="timeline decisions" aria-labelledby="h-decisions" data-testid="decisions">
          {newest.map((d, i) => (
            <li key={`${d.at}-${i}`} data-testid="decision">
              <span className={`dot tone-${d.shown ? "live" : "off"}`} aria-hidden="true" />
              <time className="muted small" dateTime={d.at}>
                {formatDateTime(d.at)}
              </time>
              <span className="tl-name tl-summary">{d.summary}</span>
              <span className={`chip ${d.shown ? "chip-ok" : "chip-bad"}`}>{d.shown ? "Shown" : "Held"}</span>
              <span className="tl-detail small" data-testid="decision-why">
                {whyText(d.why)}
              </span>
            </li>
          ))}
        </ol>
      )}
    </>
  );
}

function desktopDndWords(on: boolean | null): string {
  if (on === null) return "not reported by this server";
  return on ? "on" : "off";
}

export function NotificationServerFacts({
  server,
  desktopDnd,
  loaded,
}: {
  server: NotificationServer | null;
  desktopDnd: boolean | null;
  loaded: boolean;
}) {
  return (
    <>
      <h2 id="h-notification-server">Notification server</h2>
      {!server && (
        <p className="muted small" data-testid="no-notification-server">
          {loaded ? "No notification server has answered yet." : "–"}
        </p>
      )}
      <dl className="facts" data-testid="notification-server">
        {server && (
          <>
            <div>
              <dt>Name</dt>
              <dd>{server.name || "–"}</dd>
            </div>
            <div>
              <dt>Vendor</dt>
              <dd>{server.vendor || "–"}</dd>
            </div>
            <div>
              <dt>Version</dt>
              <dd>{server.version || "–"}</dd>
            </div>
          </>
        )}
        <div>
          <dt>Desktop Do Not Disturb</dt>
          <dd data-testid="desktop-dnd">{desktopDndWords(desktopDnd)}</dd>
        </div>
      </dl>
      {server && (
        <>
          <h3 id="h-capabilities" className="small">
            Capabilities
          </h3>
          {server.capabilities.length === 0 ? (
            <p className="muted small">None reported.</p>
          ) : (
            <ul className="caps" aria-labelledby="h-capabilities" data-testid="capabilities">
              {server.capabilities.map((c) => (
                <li key={c} className="chip">
                  {c}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </>
  );
}
