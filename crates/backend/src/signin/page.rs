//! The HTML of the login page: one form, the authorize request carried in hidden fields.

/// Escapes text for an HTML attribute or body.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The login form; `fields` are the authorize parameters to carry, `problem` a line above it.
pub(crate) fn login(fields: &[(&str, &str)], problem: Option<&str>) -> String {
    let hidden: String = fields
        .iter()
        .map(|(k, v)| {
            format!(
                r#"<input type="hidden" name="{}" value="{}">"#,
                esc(k),
                esc(v)
            )
        })
        .collect();
    let problem = problem
        .map(|p| format!(r#"<p role="alert" id="problem">{}</p>"#, esc(p)))
        .unwrap_or_default();
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in to Alora</title>
<style>body{{font-family:sans-serif;max-width:22rem;margin:4rem auto}}label,input,button{{display:block;margin:.4rem 0}}#problem{{color:#a00}}</style>
</head><body>
<h1>Sign in to Alora</h1>
<p>The Alora Tray app on this computer asks to sign in. (Demo server: user <code>demo</code>, password <code>demo</code>.)</p>
{problem}
<form method="post" action="/oauth/authorize">{hidden}
<label for="username">User name</label><input id="username" name="username" autocomplete="username" required>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit" name="action" value="allow" id="allow">Sign in</button>
<button type="submit" name="action" value="deny" id="deny" formnovalidate>Deny</button>
</form></body></html>"#
    )
}

/// A page for a request that cannot be redirected back (bad client or redirect URI).
pub(crate) fn refused(why: &str) -> String {
    format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Cannot sign in</title></head><body><h1>Cannot sign in</h1><p>{}</p></body></html>"#,
        esc(why)
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn hidden_values_are_escaped() {
        let html = super::login(&[("state", r#""><script>"#)], Some("<b>"));
        assert!(html.contains("&quot;&gt;&lt;script&gt;"));
        assert!(!html.contains("<script>"));
        assert!(html.contains("&lt;b&gt;"));
    }
}
