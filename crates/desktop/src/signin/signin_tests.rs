//! The flow against the embedded backend, with a fake opener whose "browser" is a plain HTTP
//! client: it fills the login form (or presses Deny, or misbehaves) and follows the redirect.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use alora_backend::{verify_token, Backend, BackendConfig};
use reqwest::redirect::Policy;

use super::*;

/// What the fake browser does with the authorize URL.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Acts {
    Allow,
    Deny,
    Nothing,
    /// A forged callback with another `state` and a stray path first, then Allow.
    WrongStateFirst,
}

/// The pages the fake browser was shown: URL, status, body.
pub(crate) type Pages = Arc<Mutex<Vec<(String, u16, String)>>>;

pub(crate) struct FakeBrowser {
    pub(crate) acts: Acts,
    /// The callback URL it was sent to, and the page it got there.
    pub(crate) seen: Pages,
}

impl Opener for FakeBrowser {
    fn open(&self, url: &str) -> Result<(), String> {
        let (acts, seen, url) = (self.acts, self.seen.clone(), url.to_owned());
        tokio::runtime::Handle::try_current()
            .map_err(|e| e.to_string())?
            .spawn(async move {
                if let Err(e) = browse(acts, &seen, &url).await {
                    seen.lock()
                        .unwrap()
                        .push(("error".into(), 0, e.to_string()));
                }
            });
        Ok(())
    }
}

async fn get(http: &reqwest::Client, url: &str) -> reqwest::Result<(u16, String)> {
    let r = http.get(url).send().await?;
    Ok((r.status().as_u16(), r.text().await?))
}

async fn browse(
    acts: Acts,
    seen: &Mutex<Vec<(String, u16, String)>>,
    url: &str,
) -> anyhow::Result<()> {
    if acts == Acts::Nothing {
        return Ok(());
    }
    let http = reqwest::Client::builder()
        .redirect(Policy::none())
        .build()?;
    let authorize = url::Url::parse(url)?;
    let mut form: Vec<(String, String)> = authorize.query_pairs().into_owned().collect();
    let redirect = form
        .iter()
        .find(|(k, _)| k == "redirect_uri")
        .map(|(_, v)| v.clone());
    let redirect = redirect.ok_or_else(|| anyhow::anyhow!("no redirect_uri"))?;
    assert!(get(&http, url).await?.1.contains("Sign in to Alora"));
    if acts == Acts::WrongStateFirst {
        let forged = format!("{redirect}?code=forged&state=not-the-one");
        let (status, body) = get(&http, &forged).await?;
        seen.lock().unwrap().push((forged, status, body));
        let stray = redirect.replace(CALLBACK_PATH, "/favicon.ico");
        let (status, body) = get(&http, &stray).await?;
        seen.lock().unwrap().push((stray, status, body));
    }
    let action = if acts == Acts::Deny { "deny" } else { "allow" };
    form.extend(
        [
            ("username", "demo"),
            ("password", "demo"),
            ("action", action),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned())),
    );
    let base = format!("{}://{}", authorize.scheme(), authorize.authority());
    let posted = http
        .post(format!("{base}/oauth/authorize"))
        .form(&form)
        .send()
        .await?;
    let back = posted
        .headers()
        .get("location")
        .ok_or_else(|| anyhow::anyhow!("no redirect"))?
        .to_str()?
        .to_owned();
    let (status, body) = get(&http, &back).await?;
    seen.lock().unwrap().push((back, status, body));
    Ok(())
}

fn flow(acts: Acts, timeout: Duration) -> (Flow, Pages) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let opener = FakeBrowser {
        acts,
        seen: seen.clone(),
    };
    (Flow::new(Arc::new(opener), timeout, &[]).unwrap(), seen)
}

const WAIT: Duration = Duration::from_secs(20);

/// The browser's pages once it has `n` of them: the app may finish before the browser reads.
async fn pages(seen: &Mutex<Vec<(String, u16, String)>>, n: usize) -> Vec<(String, u16, String)> {
    for _ in 0..200 {
        if seen.lock().unwrap().len() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    seen.lock().unwrap().clone()
}

#[tokio::test]
async fn signs_in_then_refresh_rotates() {
    let b = Backend::start(BackendConfig::default()).await.unwrap();
    let (flow, seen) = flow(Acts::Allow, WAIT);
    let tokens = flow.sign_in(&b.url()).await.unwrap();
    let claims = verify_token(b.secret(), &tokens.access).unwrap();
    assert_eq!(claims.user(), Some("demo-user"));
    assert!(tokens.expires_at.is_some_and(|t| t > chrono::Utc::now()));
    let first = tokens.refresh.clone().unwrap();
    assert!(!format!("{tokens:?}").contains(&tokens.access));
    let (_, status, page) = pages(&seen, 1).await.last().cloned().unwrap();
    assert_eq!((status, page.as_str()), (200, DONE_PAGE));

    let renewed = flow.refresh(&b.url(), &first).await.unwrap();
    assert!(renewed.refresh.as_ref().is_some_and(|r| *r != first));
    assert!(verify_token(b.secret(), &renewed.access).is_ok());
    let again = flow.refresh(&b.url(), &first).await;
    assert!(
        matches!(again, Err(SignInError::Refused(ref e)) if e.starts_with("invalid_grant")),
        "{again:?}"
    );
    b.shutdown().await;
}

#[tokio::test]
async fn deny_is_told_apart() {
    let b = Backend::start(BackendConfig::default()).await.unwrap();
    let (flow, seen) = flow(Acts::Deny, WAIT);
    assert_eq!(flow.sign_in(&b.url()).await, Err(SignInError::Denied));
    let (_, status, page) = pages(&seen, 1).await.last().cloned().unwrap();
    assert_eq!(status, 200);
    assert!(page.contains("Not signed in"));
    b.shutdown().await;
}

#[tokio::test]
async fn wrong_state_and_other_paths_are_ignored_then_a_second_callback_finds_no_one() {
    let b = Backend::start(BackendConfig::default()).await.unwrap();
    let (flow, seen) = flow(Acts::WrongStateFirst, WAIT);
    assert!(flow.sign_in(&b.url()).await.is_ok());
    let seen = pages(&seen, 3).await;
    assert_eq!(seen.len(), 3, "{seen:?}");
    assert_eq!(seen[0].1, 400);
    assert_eq!(seen[1].1, 404);
    assert_eq!(seen[2].1, 200);
    // The listener is gone with the attempt: the same callback again is refused.
    let http = reqwest::Client::new();
    assert!(http.get(&seen[2].0).send().await.is_err());
    b.shutdown().await;
}

#[tokio::test]
async fn no_callback_times_out_and_the_port_closes() {
    let b = Backend::start(BackendConfig::default()).await.unwrap();
    let (flow, _) = flow(Acts::Nothing, Duration::from_millis(300));
    let got = flow.sign_in(&b.url()).await;
    assert_eq!(got, Err(SignInError::TimedOut(Duration::from_millis(300))));
    assert!(got.unwrap_err().to_string().contains("Try again"));
    b.shutdown().await;
}

#[tokio::test]
async fn a_dropped_callback_stops_listening() {
    let cb = Callback::bind("s".into()).await.unwrap();
    let uri = cb.redirect_uri().to_owned();
    let http = reqwest::Client::new();
    let stray = http
        .get(uri.replace(CALLBACK_PATH, "/"))
        .send()
        .await
        .unwrap();
    assert_eq!(stray.status().as_u16(), 404);
    drop(cb);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(http
        .get(format!("{uri}?code=c&state=s"))
        .send()
        .await
        .is_err());
}

#[tokio::test]
async fn a_server_without_endpoints_is_told_so() {
    let b = Backend::start(BackendConfig {
        sign_in: None,
        ..BackendConfig::default()
    })
    .await
    .unwrap();
    let (flow, _) = flow(Acts::Allow, WAIT);
    assert_eq!(flow.sign_in(&b.url()).await, Err(SignInError::NoEndpoints));
    assert_eq!(
        flow.refresh(&b.url(), "r").await,
        Err(SignInError::NoEndpoints)
    );
    b.shutdown().await;
}
