//! Sign-in behind a private CA: discovery and the token requests trust the CA the socket
//! trusts (`--ca-cert`, the CA setting), and without it refuse the server. The embedded
//! backend speaks plain http, so a TLS front (a throwaway CA's certificate) stands before it.

use std::net::SocketAddr;
use std::sync::Arc;

use alora_backend::{Backend, BackendConfig};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use super::*;

/// Tests here never get as far as the browser.
struct NoBrowser;

impl Opener for NoBrowser {
    fn open(&self, _url: &str) -> Result<(), String> {
        Err("no browser in this test".into())
    }
}

/// A throwaway CA and a certificate it signed for 127.0.0.1: `(ca, cert, key)` in PEM.
fn pki() -> (String, String, String) {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    // Distinct names: a leaf whose subject equals its issuer looks self-signed.
    ca.distinguished_name
        .push(DnType::CommonName, "Alora sign-in test CA");
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let mut leaf = CertificateParams::new(vec!["127.0.0.1".to_owned()]).unwrap();
    leaf.distinguished_name
        .push(DnType::CommonName, "127.0.0.1");
    let leaf_cert = leaf.signed_by(&leaf_key, &ca_cert, &ca_key).unwrap();
    (ca_cert.pem(), leaf_cert.pem(), leaf_key.serialize_pem())
}

/// `https://127.0.0.1:<port>` in front of `backend`: TLS ends here, the bytes go on as
/// they are. Abort the task to stop it.
async fn tls_front(backend: SocketAddr, cert: &str, key: &str) -> (String, JoinHandle<()>) {
    let identity = native_tls::Identity::from_pkcs8(cert.as_bytes(), key.as_bytes()).unwrap();
    let acceptor = native_tls::TlsAcceptor::new(identity).unwrap();
    let acceptor = tokio_native_tls::TlsAcceptor::from(acceptor);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let task = tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let Ok(mut plain) = TcpStream::connect(backend).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
            });
        }
    });
    (format!("https://127.0.0.1:{port}"), task)
}

#[tokio::test]
async fn discovery_and_the_token_request_trust_the_configured_ca_and_only_it() {
    let backend = Backend::start(BackendConfig::default()).await.unwrap();
    let (ca, cert, key) = pki();
    let (base, front) = tls_front(backend.local_addr(), &cert, &key).await;
    let https = Endpoints {
        authorize: format!("{base}/oauth/authorize"),
        token: format!("{base}/oauth/token"),
    };

    let trusting = Flow::new(Arc::new(NoBrowser), DEFAULT_TIMEOUT, &[ca.into_bytes()]).unwrap();
    let found = discover(&trusting.http, &base).await.unwrap();
    assert!(found.token.ends_with("/oauth/token"), "{found:?}");
    // A made-up refresh token is refused by the server: it was reached, over TLS.
    match exchange::refresh(&trusting.http, &https, "made-up").await {
        Err(SignInError::Refused(why)) => assert!(why.contains("invalid_grant"), "{why}"),
        other => panic!("the token endpoint was not reached: {other:?}"),
    }

    let system_only = Flow::new(Arc::new(NoBrowser), DEFAULT_TIMEOUT, &[]).unwrap();
    match discover(&system_only.http, &base).await {
        Err(SignInError::Server(why)) => assert!(why.contains("certificate"), "{why}"),
        other => panic!("an unknown CA was trusted: {other:?}"),
    }
    match exchange::refresh(&system_only.http, &https, "made-up").await {
        Err(SignInError::Server(why)) => assert!(why.contains("certificate"), "{why}"),
        other => panic!("an unknown CA was trusted: {other:?}"),
    }
    front.abort();
    backend.shutdown().await;
}

#[test]
fn a_ca_file_that_is_not_a_certificate_is_said_so() {
    let garbage = [b"not a certificate".to_vec()];
    let e = Flow::new(Arc::new(NoBrowser), DEFAULT_TIMEOUT, &garbage).unwrap_err();
    assert!(
        matches!(&e, SignInError::Server(why) if why.contains("PEM")),
        "{e:?}"
    );
}
