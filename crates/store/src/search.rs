//! The history's query: the SQL for `list`, and its search: title or body
//! contains the trimmed needle, compared after Unicode lowercasing. A scan
//! (`alora_contains` on each row, newest first, stopping at the limit): the
//! history is bounded (20 000 rows by default), where a scan answers in
//! ~15 ms, and an index cost more on every stored event than it saved
//! (migrate.rs, step 2).

use rusqlite::functions::FunctionFlags;
use rusqlite::types::{Value, ValueRef};
use rusqlite::Connection;

use crate::model::HistoryQuery;

/// `alora_contains(haystack, needle)`: whether `haystack`, lowercased,
/// contains `needle` (already lowercased). NULL haystacks contain nothing.
const CONTAINS_FN: &str = "alora_contains";

pub(crate) const COLUMNS: &str =
    "id, event, title, body, created_at, read, link, target_view, target_id, kind";

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
