//! The command line: options, subcommands checked before they are sent,
//! the token's ways in (never argv), and what a relaunch passes on.

use super::*;

fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
    Cli::try_parse_from(std::iter::once("alora-tray").chain(args.iter().copied()))
}

#[test]
fn parses_options_and_subcommands() {
    let cli = parse(&[
        "--demo",
        "--minimized",
        "--server-url",
        "http://h:1",
        "--token-file",
        "/run/t",
    ])
    .unwrap();
    assert!(cli.demo && cli.minimized && !cli.headless);
    assert_eq!(cli.overrides().server_url.as_deref(), Some("http://h:1"));
    assert_eq!(cli.command, None);
    let cli = parse(&["--headless", "status", "busy"]).unwrap();
    assert_eq!(
        cli.command.unwrap().to_forward().unwrap(),
        Forward::Status {
            status: UserStatus::Busy
        }
    );
    assert_eq!(
        parse(&["dnd", "on"])
            .unwrap()
            .command
            .unwrap()
            .to_forward()
            .unwrap(),
        Forward::Dnd { on: true }
    );
    assert!(parse(&["status", "offline"]).is_err());
    assert!(parse(&["bogus"]).is_err());
    assert_eq!(
        parse(&["--version"]).unwrap_err().kind(),
        clap::error::ErrorKind::DisplayVersion
    );
    assert_eq!(
        parse(&["--help"]).unwrap_err().kind(),
        clap::error::ErrorKind::DisplayHelp
    );
}

#[test]
fn send_checks_event_and_json() {
    let send = |e: &str, j: &str| {
        Command::Send {
            event: e.into(),
            json: j.into(),
        }
        .to_forward()
    };
    let ok = send(
        "bookingUpdate",
        r#"{"bookingId":"b1","status":"confirmed"}"#,
    )
    .unwrap();
    assert!(matches!(ok, Forward::Send { ref event, .. } if event == "bookingUpdate"));
    let unknown = send("register", "{}").unwrap_err().to_string();
    assert!(
        unknown.contains("unknown event \"register\"") && unknown.contains("sendMessage"),
        "{unknown}"
    );
    assert!(send("typing", "{oops")
        .unwrap_err()
        .to_string()
        .contains("not valid JSON"));
    assert!(send("typing", "[1]")
        .unwrap_err()
        .to_string()
        .contains("JSON object"));
    let wire = serde_json::to_value(Forward::Dnd { on: false }).unwrap();
    assert_eq!(wire, serde_json::json!({"cmd": "dnd", "on": false}));
}

#[test]
fn a_token_on_the_command_line_is_refused_and_the_ways_in_named() {
    for args in [
        &["--token", "eyJ.secret.jwt"][..],
        &["--token=eyJ.secret.jwt"],
        &["--token"],
    ] {
        let e = parse(args).unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("--token-file") && text.contains("--token-stdin"),
            "{args:?}: {text}"
        );
        // The refusal must not echo the token into a log.
        assert!(!text.contains("secret"), "{text}");
    }
}

#[test]
fn the_token_comes_from_a_file_or_stdin_not_both() {
    let cli = parse(&["--headless", "--token-file", "/run/t"]).unwrap();
    assert_eq!(
        cli.token_file.as_deref(),
        Some(std::path::Path::new("/run/t"))
    );
    assert!(!cli.token_stdin);
    let cli = parse(&["--token-stdin"]).unwrap();
    assert!(cli.token_stdin && cli.token_file.is_none());
    // Neither is an override: main reads the token and sets it.
    assert_eq!(cli.overrides().token, None);
    assert!(parse(&["--token-stdin", "--token-file", "/run/t"]).is_err());
}

#[test]
fn a_relaunch_passes_no_token_on_its_arguments() {
    let args = |a: &[&str]| a.iter().map(OsString::from).collect::<Vec<_>>();
    let given = args(&[
        "--minimized",
        "--server-url",
        "http://h:1",
        "--token-file",
        "/run/t",
        "--token-file=/run/u",
        "--token-stdin",
        "--token",
        "eyJ.x",
        "--token=eyJ.y",
        "--headless",
    ]);
    assert_eq!(
        relaunch_args(given.clone(), false),
        args(&["--server-url", "http://h:1", "--headless"])
    );
    // A token of this run's own goes over stdin, which the flag announces.
    assert_eq!(
        relaunch_args(given, true),
        args(&["--server-url", "http://h:1", "--headless", "--token-stdin"])
    );
    assert_eq!(relaunch_args(args(&[]), false), args(&[]));
}

#[test]
fn version_prints_the_name_and_the_version() {
    let e = parse(&["--version"]).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::DisplayVersion);
    assert_eq!(
        e.render().to_string().trim(),
        format!("alora-tray {}", env!("CARGO_PKG_VERSION"))
    );
    // Whatever else is on the line, as packagers' checks call it.
    assert_eq!(
        parse(&["--demo", "--version"]).unwrap_err().kind(),
        ErrorKind::DisplayVersion
    );
}

#[test]
fn help_lists_the_options_the_subcommands_and_where_files_are() {
    let e = parse(&["--help"]).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::DisplayHelp);
    let help = e.render().to_string();
    for word in [
        "--headless",
        "--minimized",
        "--token-file",
        "--version",
        "status",
        "send",
        "quit",
        "ALORA_TOKEN",
    ] {
        assert!(help.contains(word), "{word} is not in:\n{help}");
    }
    // Gone, so not offered.
    assert!(!help.contains("--token "), "{help}");
    let app_id = crate::app_id::APP_ID;
    for path in [
        format!("$XDG_DATA_HOME/{app_id}/"),
        format!("$XDG_STATE_HOME/{app_id}/logs/"),
        format!("autostart/{}", crate::app_id::desktop_file()),
    ] {
        assert!(help.contains(&path), "{path} is not in:\n{help}");
    }
}

#[test]
fn a_ca_certificate_comes_in_with_ca_cert() {
    let cli = parse(&["--ca-cert", "/etc/corp-ca.pem"]).unwrap();
    assert_eq!(cli.overrides().ca_cert.as_deref(), Some("/etc/corp-ca.pem"));
    assert_eq!(parse(&[]).unwrap().overrides().ca_cert, None);
    // There is no way to turn verification off.
    for gone in ["--insecure", "--no-verify", "--danger-accept-invalid-certs"] {
        assert!(parse(&[gone]).is_err(), "{gone}");
    }
}
