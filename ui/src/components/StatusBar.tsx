// The status bar: the link's state in words (with the retry countdown), the
// demo badge, the outbox's waiting and failed counts, and Connect/Reconnect.

import { useAlora } from "../AloraProvider";
import { linkName, linkTone, linkWords } from "../format";
import { useNow } from "../hooks/useNow";
import { Icon } from "./Icon";

export function StatusBar() {
  const { state, actions } = useAlora();
  const link = state.link.current;
  const now = useNow(link.kind === "reconnecting");
  const words = linkWords(link, now);
  const tone = linkTone(link);
  const demo = state.app?.demo ?? false;
  const { pending, failed } = state.outbox.counts;

  let button: { label: string; onClick: () => void; disabled?: boolean };
  if (link.kind === "authRequired") {
    button = { label: "Sign in", onClick: () => actions.navigate("settings", null) };
  } else if (link.kind === "idle" || link.kind === "stopped") {
    button = { label: "Connect", onClick: () => void actions.connect() };
  } else {
    button = { label: "Reconnect", onClick: () => void actions.reconnectNow(), disabled: link.kind === "connecting" };
  }

  return (
    <header className={`statusbar${pending > 0 || failed > 0 ? " has-queue" : ""}`}>
      <div className={`live tone-${tone}`} data-testid="link-state" title={state.link.error ?? words}>
        <span className="dot" aria-hidden="true" />
        <span className="live-words" aria-hidden="true">
          {words}
        </span>
        {/* announced once per state, not once per countdown tick */}
        <span className="sr-only" role="status" aria-live="polite">
          Connection: {link.kind === "reconnecting" ? "Reconnecting" : words}
        </span>
      </div>
      {demo && (
        <span className="badge badge-demo" title="Demo mode: events come from the built-in demo backend">
          DEMO
        </span>
      )}
      {pending > 0 && (
        <button
          type="button"
          className="badge badge-queue"
          onClick={() => actions.setView("diagnostics")}
          aria-label={`${pending} outgoing ${pending === 1 ? "event" : "events"} waiting; open diagnostics`}
        >
          {pending} queued
        </button>
      )}
      {failed > 0 && (
        <button
          type="button"
          className="badge badge-failed"
          onClick={() => actions.setView("diagnostics")}
          aria-label={`${failed} outgoing ${failed === 1 ? "event" : "events"} failed; open diagnostics`}
        >
          {failed} failed
        </button>
      )}
      <span className="spacer" />
      <button
        type="button"
        className="btn btn-small"
        onClick={button.onClick}
        disabled={button.disabled}
        aria-label={`${button.label} (${linkName(link)})`}
        title={button.label}
      >
        {button.label !== "Sign in" && <Icon name="refresh" size={14} />}
        <span className="btn-text">{button.label}</span>
      </button>
    </header>
  );
}
