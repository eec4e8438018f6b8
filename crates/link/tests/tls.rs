//! `https://` URLs: the link speaks wss with certificate validation, trusting
//! the system's roots plus any given in the config, and nothing else.

// A test fails by panicking: unwrap is how these say "this must hold".
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

mod probe;
mod support;

use std::time::Duration;

use alora_link::LinkState;
use probe::{config, Probe};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
use support::TestServer;

struct Pki {
    ca_pem: String,
    dir: std::path::PathBuf,
}

/// What the server's certificate says.
struct Leaf {
    names: Vec<String>,
    expired: bool,
}

impl Default for Leaf {
    fn default() -> Self {
        Leaf {
            names: vec!["localhost".to_owned(), "127.0.0.1".to_owned()],
            expired: false,
        }
    }
}

/// A throwaway CA and a certificate it signed for localhost.
fn pki() -> Pki {
    pki_with(Leaf::default())
}

/// A throwaway CA and a certificate it signed as `leaf` says.
fn pki_with(leaf_spec: Leaf) -> Pki {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    // Distinct names: a leaf whose subject equals its issuer looks self-signed.
    ca.distinguished_name
        .push(DnType::CommonName, "Alora test CA");
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let mut leaf = CertificateParams::new(leaf_spec.names.clone()).unwrap();
    leaf.distinguished_name
        .push(DnType::CommonName, leaf_spec.names[0].as_str());
    if leaf_spec.expired {
        leaf.not_before = rcgen::date_time_ymd(2020, 1, 1);
        leaf.not_after = rcgen::date_time_ymd(2021, 1, 1);
    }
    let leaf_cert = leaf.signed_by(&leaf_key, &ca_cert, &ca_key).unwrap();
    let dir = std::env::temp_dir().join(format!(
        "alora-tls-{}-{}",
        std::process::id(),
        rand_suffix()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("cert.pem"), leaf_cert.pem()).unwrap();
    std::fs::write(dir.join("key.pem"), leaf_key.serialize_pem()).unwrap();
    Pki {
        ca_pem: ca_cert.pem(),
        dir,
    }
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

async fn tls_server(pki: &Pki) -> support::NodeServer {
    support::node_with(support::NodeOptions {
        tls_cert: Some(pki.dir.join("cert.pem")),
        tls_key: Some(pki.dir.join("key.pem")),
        ..Default::default()
    })
    .await
}

fn https(server: &support::NodeServer) -> String {
    server
        .url()
        .replace("http://127.0.0.1", "https://localhost")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wss_connects_when_the_certificate_is_trusted() {
    let pki = pki();
    let mut server = tls_server(&pki).await;
    let token = server.token_for("u1");
    let mut cfg = config(&https(&server), &server.path(), &token);
    cfg.extra_root_certs = vec![pki.ca_pem.clone().into_bytes()];
    let mut p = Probe::connect(cfg).await;
    p.connected().await;
    server
        .wait_received(|r| r.event == "register", Duration::from_secs(5))
        .await
        .unwrap();
    let _ = std::fs::remove_dir_all(&pki.dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untrusted_certificate_is_refused() {
    let pki = pki();
    let mut server = tls_server(&pki).await;
    let token = server.token_for("u1");
    let mut p = Probe::connect(config(&https(&server), &server.path(), &token)).await;
    let state = p
        .wait_state(Duration::from_secs(10), "Reconnecting", |s| {
            matches!(s, LinkState::Reconnecting { .. })
        })
        .await;
    println!("untrusted certificate: {state:?}");
    let LinkState::Reconnecting { reason, .. } = &state else {
        unreachable!()
    };
    assert!(
        reason.starts_with("certificate not trusted"),
        "the reason says so: {reason}"
    );
    p.settle(Duration::from_secs(1)).await;
    assert_eq!(
        server.handshakes(),
        (0, 0),
        "no handshake over an unverified connection"
    );
    assert!(!p.link.state().is_connected());
    let _ = std::fs::remove_dir_all(&pki.dir);
}

#[tokio::test]
async fn a_bad_root_certificate_is_a_clear_error() {
    let (link, _events) = alora_link::Link::spawn();
    let mut cfg = config("https://localhost:1", "/p", "t");
    cfg.extra_root_certs = vec![b"not a certificate".to_vec()];
    let err = link.connect(cfg).await.unwrap_err();
    assert_eq!(err.code(), "tls");
}

/// A certificate refused although its CA is trusted: the reason starts with
/// `verdict`, and the server never sees a handshake.
async fn refused_with_trusted_ca(leaf: Leaf, verdict: &str) {
    let pki = pki_with(leaf);
    let mut server = tls_server(&pki).await;
    let token = server.token_for("u1");
    let mut cfg = config(&https(&server), &server.path(), &token);
    cfg.extra_root_certs = vec![pki.ca_pem.clone().into_bytes()];
    let mut p = Probe::connect(cfg).await;
    let state = p
        .wait_state(Duration::from_secs(10), "Reconnecting", |s| {
            matches!(s, LinkState::Reconnecting { .. })
        })
        .await;
    println!("{verdict}: {state:?}");
    let LinkState::Reconnecting { reason, .. } = &state else {
        unreachable!()
    };
    assert!(reason.starts_with(verdict), "{reason}");
    p.settle(Duration::from_secs(1)).await;
    assert_eq!(server.handshakes(), (0, 0));
    assert!(!p.link.state().is_connected());
    let _ = std::fs::remove_dir_all(&pki.dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_for_another_host_is_refused() {
    let leaf = Leaf {
        names: vec!["elsewhere.example".to_owned()],
        expired: false,
    };
    refused_with_trusted_ca(leaf, "certificate not valid for this server's name").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_certificate_is_refused() {
    let leaf = Leaf {
        expired: true,
        ..Leaf::default()
    };
    refused_with_trusted_ca(leaf, "certificate expired").await;
}
