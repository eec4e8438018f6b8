// The Notifications view: the history, newest first, a page at a time, with
// search, type and unread filters, marking read, and snoozing an unread
// item's popup as the popup's own Snooze does.

import { useEffect, useMemo, useState } from "react";
import { useAlora } from "../AloraProvider";
import type { HistoryItem } from "../api";
import { Icon } from "../components/Icon";
import { EVENT_LABELS, eventLabel, formatDateTime, formatUntil } from "../format";
import { historyMatches, snoozedUntil, unreadHistory } from "../state";
import { useFocusTarget } from "./useFocusTarget";

/** The snooze lengths a popup offers, in minutes. */
const SNOOZES: { minutes: number; label: string }[] = [
  { minutes: 10, label: "10 minutes" },
  { minutes: 60, label: "1 hour" },
];

/** When `item`'s popup comes back, re-read when that time passes. */
function useSnoozedUntil(item: HistoryItem): string | null {
  const { state } = useAlora();
  const [, redraw] = useState(0);
  const until = snoozedUntil(state.inbox, item.target, Date.now());
  useEffect(() => {
    if (!until) return;
    const timer = setTimeout(() => redraw((n) => n + 1), Math.max(0, Date.parse(until) - Date.now()) + 50);
    return () => clearTimeout(timer);
  }, [until]);
  return until;
}

function SnoozeChoice({ item }: { item: HistoryItem }) {
  const { actions } = useAlora();
  return (
    <label className="select select-small">
      <span className="sr-only">Snooze: {item.title}</span>
      <select
        value=""
        aria-label={`Snooze: ${item.title}`}
        onChange={(e) => {
          const minutes = Number(e.target.value);
          if (minutes > 0) void actions.snoozeHistory(item.id, minutes);
        }}
      >
        <option value="">Snooze…</option>
        {SNOOZES.map((s) => (
          <option key={s.minutes} value={s.minutes}>
            {s.label}
          </option>
        ))}
      </select>
    </label>
  );
}

function HistoryRow({ item, highlighted }: { item: HistoryItem; highlighted: boolean }) {
  const { actions } = useAlora();
  const snoozed = useSnoozedUntil(item);
  const open = () => {
    if (!item.read) void actions.markHistoryRead([item.id]);
    actions.navigate(item.target.view, item.target.id);
  };
  return (
    <li
      className={`card history-item${item.read ? "" : " unread"}${highlighted ? " highlight" : ""}`}
      data-item-id={item.id}
      data-testid="history-item"
      tabIndex={-1}
    >
      <div className="card-main">
        <div className="card-head">
          {!item.read && <span className="unread-dot" aria-hidden="true" />}
          <span className="card-title">{item.title || eventLabel(item.event)}</span>
          <time className="muted small" dateTime={item.createdAt}>
            {formatDateTime(item.createdAt)}
          </time>
        </div>
        {item.body && <p className="card-body">{item.body}</p>}
        <div className="card-foot">
          <span className="chip">{eventLabel(item.event)}</span>
          {!item.read && <span className="sr-only">Unread.</span>}
          {snoozed && !item.read && (
            <span className="chip" data-testid="snoozed">
              Snoozed until {formatUntil(snoozed)}
            </span>
          )}
          <span className="spacer" />
          {item.target.view !== "notifications" && (
            <button type="button" className="btn btn-small btn-quiet" onClick={open} aria-label={`Open: ${item.title}`}>
              Open
            </button>
          )}
          {!item.read && !snoozed && <SnoozeChoice item={item} />}
          {!item.read && (
            <button
              type="button"
              className="btn btn-small"
              onClick={() => void actions.markHistoryRead([item.id])}
              aria-label={`Mark read: ${item.title}`}
            >
              Mark read
            </button>
          )}
        </div>
      </div>
    </li>
  );
}

/**
 * How many rows are rendered at first, and added per "Show more": the history
 * holds up to 20 000 items, and every rendered card costs the web process
 * memory (1 000 cards took WebKit's process to ~200 MB).
 */
export const PAGE = 50;

export function NotificationsView() {
  const { state, actions } = useAlora();
  const [query, setQuery] = useState("");
  const [event, setEvent] = useState("");
  const [unreadOnly, setUnreadOnly] = useState(false);
  const highlighted = useFocusTarget("notifications");

  const { history, loaded } = state.inbox;
  const items = useMemo(
    () => history.filter((h) => historyMatches(h, { query, event, unreadOnly })),
    [history, query, event, unreadOnly],
  );
  const types = useMemo(() => {
    const seen = new Set<string>(Object.keys(EVENT_LABELS).filter((k) => k !== "statusUpdated"));
    for (const h of history) seen.add(h.event);
    return [...seen];
  }, [history]);
  const unread = unreadHistory(state.inbox);
  const filtered = query !== "" || event !== "" || unreadOnly;
  const [limit, setLimit] = useState(PAGE);
  useEffect(() => setLimit(PAGE), [query, event, unreadOnly]);
  // An item opened from a popup is shown even when it lies past the page.
  const target = highlighted === null ? -1 : items.findIndex((h) => h.id === highlighted);
  useEffect(() => {
    if (target >= limit) setLimit(target + 1);
  }, [target, limit]);
  const shown = items.slice(0, Math.max(limit, target + 1));
  const more = items.length - shown.length;

  return (
    <section className="view" aria-labelledby="h-notifications">
      <div className="view-head">
        <h1 id="h-notifications">Notifications</h1>
        <span className="muted small" data-testid="unread-count">
          {unread} unread
        </span>
        <span className="spacer" />
        <button type="button" className="btn btn-small" onClick={() => void actions.markHistoryRead([])} disabled={unread === 0}>
          Mark all read
        </button>
      </div>
      <div className="filters" role="search">
        <label className="search">
          <Icon name="search" size={16} />
          <span className="sr-only">Search notifications</span>
          <input type="search" placeholder="Search" value={query} onChange={(e) => setQuery(e.target.value)} />
        </label>
        <label className="select">
          <span className="sr-only">Filter by type</span>
          <select value={event} onChange={(e) => setEvent(e.target.value)}>
            <option value="">All types</option>
            {types.map((t) => (
              <option key={t} value={t}>
                {eventLabel(t)}
              </option>
            ))}
          </select>
        </label>
        <label className="check">
          <input type="checkbox" checked={unreadOnly} onChange={(e) => setUnreadOnly(e.target.checked)} />
          Unread
        </label>
      </div>
      {items.length === 0 ? (
        <p className="empty">
          {filtered
            ? "Nothing matches these filters."
            : loaded
              ? "No notifications yet. New ones appear here as they arrive."
              : "Loading…"}
        </p>
      ) : (
        <>
          <ul className="list" aria-label="Notification history, newest first">
            {shown.map((h) => (
              <HistoryRow key={h.id} item={h} highlighted={highlighted === h.id} />
            ))}
          </ul>
          {more > 0 && (
            <div className="row more">
              <button type="button" className="btn" onClick={() => setLimit(shown.length + PAGE)}>
                Show {Math.min(more, PAGE)} more of {more}
              </button>
            </div>
          )}
        </>
      )}
    </section>
  );
}
