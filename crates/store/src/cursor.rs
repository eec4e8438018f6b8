//! The catch-up cursor: the time of the last event seen, sent as `since`
//! on the next handshake, kept in the `meta` key/value table and moved
//! forward only. Works on any connection or inside a caller's transaction.

use chrono::{DateTime, SecondsFormat, Utc};

pub(crate) const LAST_EVENT_AT: &str = "last_event_at";

/// The cursor moved forward only (stamps compare as text), on `conn` or
/// inside a caller's transaction; returns the stored value. Never past now
/// plus `CURSOR_SKEW`: a stamp beyond is cut to it, and a stored one beyond
/// (from an event dated 9999 before this rule) is replaced, so that one bogus
/// stamp cannot stop catch-up for good.
pub(crate) fn advance_cursor(
    conn: &rusqlite::Connection,
    at: DateTime<Utc>,
) -> rusqlite::Result<String> {
    let ceiling = stamp(cursor_ceiling());
    let at = stamp(at).min(ceiling.clone());
    // Cached: this runs in every batch's transaction.
    conn.prepare_cached(
        "INSERT INTO meta(key, value) VALUES (?1, ?2)
         ON CONFLICT(key) DO UPDATE SET value =
             CASE WHEN value > ?3 THEN excluded.value ELSE max(value, excluded.value) END
         RETURNING value",
    )?
    .query_row([LAST_EVENT_AT, &at, &ceiling], |r| r.get(0))
}

/// The latest time the cursor may hold now.
pub(crate) fn cursor_ceiling() -> DateTime<Utc> {
    let skew = chrono::Duration::from_std(alora_link::CURSOR_SKEW).unwrap_or_default();
    let now = Utc::now();
    now.checked_add_signed(skew).unwrap_or(now)
}

/// One fixed format, so that stored times compare as strings.
pub(crate) fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}
