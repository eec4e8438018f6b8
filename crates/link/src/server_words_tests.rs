//! Unit tests of the words read: the CONNECT_ERROR message, auth
//! rejections, and the reason a live link was lost.

use super::*;

#[test]
fn reads_the_servers_message_out_of_the_library_error() {
    let node = r#"Received an ConnectError frame: {"message":"jwt expired"}"#;
    assert_eq!(connect_error_message(node), "jwt expired");
    let plain = r#"Received an ConnectError frame: "unauthorized""#;
    assert_eq!(connect_error_message(plain), "unauthorized");
    let odd = "Received an ConnectError frame: {\"data\":1}";
    assert_eq!(connect_error_message(odd), "{\"data\":1}");
}

#[test]
fn says_why_the_link_was_lost() {
    assert_eq!(
        lost_reason("EngineIO Error"),
        "the connection was lost (no answer from the server)"
    );
    assert_eq!(
        lost_reason("EngineIO Error: The server did not send a PING packet in time"),
        "the connection was lost: The server did not send a PING packet in time"
    );
    assert_eq!(lost_reason("Invalid packet id: 9"), "Invalid packet id: 9");
}

#[test]
fn tells_auth_rejections_from_other_refusals() {
    for m in [
        "unauthorized",
        "invalid token",
        "jwt expired",
        "Forbidden",
        "Authentication error",
    ] {
        assert!(is_auth_rejection(m), "{m}");
    }
    for m in ["Invalid namespace", "server full", "rate limited"] {
        assert!(!is_auth_rejection(m), "{m}");
    }
}

#[test]
fn auth_phrases_match_whole_words_of_the_message() {
    for m in [
        // jsonwebtoken (Node) and its Rust namesake's kinds.
        "invalid signature",
        "InvalidSignature",
        "jwt malformed",
        "TokenExpiredError",
        "ExpiredSignature",
        "invalid_token",
        "401 Unauthorized",
        "UNAUTHORIZED",
        "Token expired",
        "Authentication failed",
        "not authorized",
    ] {
        assert!(is_auth_rejection(m), "{m}");
    }
    for m in [
        "Authentication service temporarily unavailable",
        "Error 4011: server overloaded",
        "too many tokens in the bucket, slow down",
        "authorization server unreachable",
        "session store expired, try again",
    ] {
        assert!(!is_auth_rejection(m), "{m}");
    }
}

#[test]
fn only_the_message_of_a_connect_error_is_read_for_auth() {
    let p = CONNECT_ERROR_PREFIX;
    let auth = |text: &str| connect_error_is_auth(&format!("{p} {text}"));
    assert!(auth(
        r#"{"message":"invalid signature","data":{"code":401}}"#
    ));
    assert!(auth(r#""unauthorized""#));
    // No message: whatever else the object says, it is retried.
    assert!(!auth(r#"{"data":{"status":401}}"#));
    assert!(!auth(r#"{"code":"unauthorized"}"#));
    assert!(!auth(r#"{"message":"Server busy","data":{"status":401}}"#));
}

#[test]
fn refused_certificates_in_the_users_words() {
    let untrusted = "EngineIO Error: error:0A000086:SSL routines:tls_post_process_server_certificate:certificate verify failed:../ssl/statem/statem_clnt.c:1889: (unable to get local issuer certificate)";
    let got = certificate_problem(untrusted).unwrap();
    assert!(
        got.starts_with("certificate not trusted (unable to get local issuer certificate)"),
        "{got}"
    );
    assert!(got.contains("--ca-cert"), "{got}");
    let mismatch =
        "certificate verify failed:../ssl/statem/statem_clnt.c:1889: (Hostname mismatch)";
    assert_eq!(
        certificate_problem(mismatch).unwrap(),
        "certificate not valid for this server's name (Hostname mismatch)"
    );
    let expired = "certificate verify failed: (certificate has expired)";
    assert_eq!(
        certificate_problem(expired).unwrap(),
        "certificate expired (certificate has expired)"
    );
    assert_eq!(
        certificate_problem("Connection refused (os error 111)"),
        None
    );
}
