// The Diagnostics view: version and mode, the link's counters, the outbox
// (retry, discard), the link's state history, why popups were shown or held
// and who shows them (AttentionDiagnostics.tsx), and for a support request the log
// folder and a report on the clipboard.

import { useState } from "react";
import { useAlora } from "../AloraProvider";
import * as api from "../api";
import type { LinkStats, OutboxEntry } from "../api";
import { Icon } from "../components/Icon";
import { formatDateTime, linkDetail, linkName, linkTone } from "../format";
import { useDiagnostics } from "../hooks/useDiagnostics";
import { Decisions, NotificationServerFacts } from "./AttentionDiagnostics";

const COUNTERS: { key: keyof LinkStats; label: string }[] = [
  { key: "eventsIn", label: "Events in" },
  { key: "eventsOut", label: "Events out" },
  { key: "malformed", label: "Malformed payloads" },
  { key: "unknownEvents", label: "Unknown events" },
  { key: "undecodable", label: "Undecodable packets" },
  { key: "binaryPayloads", label: "Binary payloads" },
  { key: "oversized", label: "Oversized messages" },
  { key: "connects", label: "Connects" },
  { key: "attempts", label: "Connection attempts" },
  { key: "authRejections", label: "Sign-in rejections" },
];

function outboxSummary(e: OutboxEntry): string {
  const p: Record<string, unknown> = e.outgoing.payload ?? {};
  switch (e.outgoing.event) {
    case "sendMessage":
      return `Message to ${String(p.conversationId ?? "?")}: ${String(p.content ?? "")}`;
    case "bookingUpdate":
      return `Booking ${String(p.bookingId ?? "?")} → ${String(p.status ?? "?")}`;
    case "markAsRead":
      return `Read receipt for ${String(p.conversationId ?? "?")}`;
    case "updateStatus":
      return `Status → ${String(p.status ?? "?")}`;
    default:
      return e.outgoing.event;
  }
}

const STATUS_LABEL: Record<OutboxEntry["status"], string> = {
  pending: "Waiting",
  inFlight: "Sending",
  written: "Sent, unconfirmed",
  failed: "Failed",
};

/** On its way: the link settles it (ack, proof, or back to waiting); discarding it now is refused. */
const onItsWay = (e: OutboxEntry) => e.status === "inFlight" || e.status === "written";

export function DiagnosticsView() {
  const { state, actions } = useAlora();
  const { diag, error, reload } = useDiagnostics();
  const snapshot = state.app;
  const { entries: outbox, counts } = state.outbox;

  const history = diag ? [...diag.stateHistory].reverse() : [];
  const [support, setSupport] = useState<{ text: string; error?: boolean } | null>(null);
  const run = async (work: () => Promise<unknown>, done: string) => {
    try {
      await work();
      setSupport({ text: done });
    } catch (e) {
      setSupport({ text: api.ApiError.from(e).message, error: true });
    }
  };

  return (
    <section className="view" aria-labelledby="h-diagnostics">
      <div className="view-head">
        <h1 id="h-diagnostics">Diagnostics</h1>
        <span className="spacer" />
        <button type="button" className="btn btn-small" onClick={() => void run(api.openLogFolder, "The log folder is open in the file manager.")}>
          Open log folder
        </button>
        <button type="button" className="btn btn-small" onClick={() => void run(api.copyDiagnostics, "Diagnostics copied: paste them into your support request.")}>
          Copy diagnostics
        </button>
        <button type="button" className="btn btn-small" onClick={() => void reload()}>
          <Icon name="refresh" size={14} /> Refresh
        </button>
      </div>
      {support && (
        <p className={`small ${support.error ? "warn-text" : "muted"}`} role={support.error ? "alert" : "status"} data-testid="support">
          {support.text}
        </p>
      )}
      {error && (
        <p className="warn-text small" role="alert">
          {error}
        </p>
      )}
      <dl className="facts">
        <div>
          <dt>Version</dt>
          <dd data-testid="version">{diag?.version ?? snapshot?.version ?? "–"}</dd>
        </div>
        <div>
          <dt>Mode</dt>
          <dd>{(diag?.demo ?? snapshot?.demo) ? "Demo" : "Live server"}</dd>
        </div>
        <div>
          <dt>Notifications</dt>
          <dd>{(diag?.notifier ?? snapshot?.notifier) === "unavailable" ? "Unavailable" : "Available"}</dd>
        </div>
        <div>
          <dt>Keyring</dt>
          <dd>{(diag?.keyring ?? snapshot?.keyring) === "memoryOnly" ? "Memory only" : "System keyring"}</dd>
        </div>
      </dl>

      <h2>Counters</h2>
      <dl className="facts counters" data-testid="counters">
        {COUNTERS.map((c) => (
          <div key={c.key}>
            <dt>{c.label}</dt>
            <dd>{diag ? diag.stats[c.key] : (snapshot?.stats[c.key] ?? "–")}</dd>
          </div>
        ))}
      </dl>

      <h2>Outbox</h2>
      {counts.storageFailed && (
        <p className="warn-text small" role="status" data-testid="outbox-storage">
          The outbox could not be written to disk. Sending goes on, but after a restart some entries may be sent again.
        </p>
      )}
      {outbox.length === 0 ? (
        <p className="muted small">Nothing waiting to be sent.</p>
      ) : (
        <ul className="list" aria-label="Outbox">
          {outbox.map((e) => (
            <li key={e.id} className="card" data-testid="outbox-entry">
              <div className="card-head">
                <span className="card-title one-line">{outboxSummary(e)}</span>
                <span className={`chip${e.status === "failed" ? " chip-bad" : ""}`}>{STATUS_LABEL[e.status] ?? "Waiting"}</span>
              </div>
              <p className="muted small">
                Queued {formatDateTime(e.queuedAt)} · {e.attempts} {e.attempts === 1 ? "attempt" : "attempts"}
                {e.lastError ? ` · ${e.lastError}` : ""}
              </p>
              {!onItsWay(e) && (
                <div className="card-actions">
                  {e.status === "failed" && (
                    <button type="button" className="btn btn-small" onClick={() => void actions.retryOutbox(e.id)}>
                      Retry
                    </button>
                  )}
                  <button type="button" className="btn btn-small btn-danger" onClick={() => void actions.discardOutbox(e.id)}>
                    Discard
                  </button>
                </div>
              )}
            </li>
          ))}
        </ul>
      )}

      <h2>Connection history</h2>
      {history.length === 0 ? (
        <p className="muted small">No state changes recorded.</p>
      ) : (
        <ol className="timeline" aria-label="Connection state history, newest first" data-testid="state-history">
          {history.map((h, i) => (
            <li key={`${h.at}-${i}`}>
              <span className={`dot tone-${linkTone(h.state)}`} aria-hidden="true" />
              <time className="muted small" dateTime={h.at}>
                {formatDateTime(h.at)}
              </time>
              <span className="tl-name">{linkName(h.state)}</span>
              {linkDetail(h.state) && <span className="tl-detail small">{linkDetail(h.state)}</span>}
            </li>
          ))}
        </ol>
      )}
      <p className="muted small">Malformed payloads seen while this window was open: {state.link.malformed}</p>

      <Decisions decisions={diag?.decisions ?? []} />
      <NotificationServerFacts server={diag?.notificationServer ?? null} desktopDnd={diag?.desktopDnd ?? null} loaded={diag !== null} />
    </section>
  );
}
