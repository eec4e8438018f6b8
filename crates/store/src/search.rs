//! The history's query: the SQL for `list`, and its search, which behaves as
//! the app's in-memory one did (title or body contains the trimmed needle,
//! compared after Unicode lowercasing) but uses a trigram index to find the
//! candidates first.
//!
//! The index (`history_fts`, FTS5 trigram, `detail=none`) stores only which
//! rows hold which three-character sequences: a quarter of the size of a
//! positional index. A needle of 3+ characters becomes "all its trigrams"
//! (a superset of the matches), and `alora_contains` then checks each
//! candidate exactly. Needles of 1–2 characters check every row.

use rusqlite::functions::FunctionFlags;
use rusqlite::types::{Value, ValueRef};
use rusqlite::Connection;

use crate::model::HistoryQuery;

/// `alora_contains(haystack, needle)`: whether `haystack`, lowercased,
/// contains `needle` (already lowercased). NULL haystacks contain nothing.
const CONTAINS_FN: &str = "alora_contains";

pub(crate) const COLUMNS: &str =
    "id, event, title, body, created_at, read, link, target_view, target_id";

/// Registers the functions the queries use; every connection that lists
/// history needs them.
pub(crate) fn register(conn: &Connection) -> rusqlite::Result<()> {
    conn.create_scalar_function(
        CONTAINS_FN,
        2,
        FunctionFlags::SQLITE_UTF8
            | FunctionFlags::SQLITE_DETERMINISTIC
            | FunctionFlags::SQLITE_INNOCUOUS,
        |ctx| {
            let (ValueRef::Text(hay), ValueRef::Text(needle)) = (ctx.get_raw(0), ctx.get_raw(1))
            else {
                return Ok(false);
            };
            let hay = String::from_utf8_lossy(hay).to_lowercase();
            Ok(hay.contains(String::from_utf8_lossy(needle).as_ref()))
        },
    )
}

/// The FTS5 query for a needle: each distinct trigram, quoted, ANDed;
/// `None` when the needle is shorter than a trigram.
fn trigram_query(needle: &str) -> Option<String> {
    let chars: Vec<char> = needle.chars().collect();
    let mut seen = Vec::new();
    for w in chars.windows(3) {
        let t: String = w.iter().collect();
        if !seen.contains(&t) {
            seen.push(t);
        }
    }
    if seen.is_empty() {
        return None;
    }
    let quoted: Vec<String> = seen
        .iter()
        .map(|t| format!("\"{}\"", t.replace('"', "\"\"")))
        .collect();
    Some(quoted.join(" AND "))
}

/// The statement and its arguments for `HistoryStore::list`: newest first.
pub(crate) fn list_sql(q: &HistoryQuery) -> (String, Vec<Value>) {
    let mut sql = format!("SELECT {COLUMNS} FROM history WHERE 1");
    let mut args: Vec<Value> = Vec::new();
    // Each argument is numbered (`?N`), so one may be used twice.
    let mut arg = |v: String| {
        args.push(Value::Text(v));
        format!("?{}", args.len())
    };
    if let Some(event) = q.event.as_deref().filter(|e| !e.is_empty()) {
        sql.push_str(&format!(" AND event = {}", arg(event.to_owned())));
    }
    if q.unread_only {
        sql.push_str(" AND read = 0");
    }
    let needle = q.query.as_deref().map(str::trim).filter(|s| !s.is_empty());
    if let Some(needle) = needle {
        if let Some(fts) = trigram_query(needle) {
            let p = arg(fts);
            sql.push_str(&format!(
                " AND seq IN (SELECT rowid FROM history_fts WHERE history_fts MATCH {p})"
            ));
        }
        let p = arg(needle.to_lowercase());
        sql.push_str(&format!(
            " AND ({CONTAINS_FN}(title, {p}) OR {CONTAINS_FN}(body, {p}))"
        ));
    }
    sql.push_str(" ORDER BY seq DESC");
    if let Some(limit) = q.limit {
        sql.push_str(&format!(
            " LIMIT {}",
            i64::try_from(limit).unwrap_or(i64::MAX)
        ));
    }
    (sql, args)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trigram_queries_are_quoted_and_deduplicated() {
        assert_eq!(trigram_query("ab"), None);
        assert_eq!(trigram_query("abc").as_deref(), Some("\"abc\""));
        assert_eq!(
            trigram_query("aaaa\"").as_deref(),
            Some("\"aaa\" AND \"aa\"\"\"")
        );
        assert_eq!(trigram_query("été").as_deref(), Some("\"été\""));
    }

    #[test]
    fn contains_lowercases_the_haystack_only() {
        let conn = Connection::open_in_memory().unwrap_or_else(|e| panic!("{e}"));
        register(&conn).unwrap_or_else(|e| panic!("{e}"));
        let check = |hay: Option<&str>, needle: &str| -> bool {
            conn.query_row(
                "SELECT alora_contains(?1, ?2)",
                rusqlite::params![hay, needle],
                |r| r.get(0),
            )
            .unwrap_or_else(|e| panic!("{e}"))
        };
        assert!(check(Some("ÉTÉ à Zürich"), "été"));
        assert!(check(Some("50% off"), "0%"));
        assert!(!check(Some("50 off"), "0%"));
        assert!(!check(None, "x"));
    }
}
