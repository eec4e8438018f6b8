//! A network namespace made by a test, joined to the root namespace by a
//! veth pair on a /30 of 10.x: the server listens on the far end, the link
//! connects from here, and the path between them can be cut (iptables DROP
//! in the namespace, in one direction or both) or made bad (`tc netem`).
//! Dropping the [`Netns`] deletes the namespace, and the veth pair with it.

#![allow(dead_code)]

pub mod delay;

use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

static NEXT: AtomicU32 = AtomicU32::new(0);

/// Which way packets are dropped, as seen from the server's namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    /// Nothing gets through.
    Both,
    /// The server's packets are lost; the client's still arrive.
    ToClient,
    /// The client's packets are lost; the server's still arrive.
    ToServer,
}

#[derive(Debug)]
pub struct Netns {
    pub name: String,
    /// The veth end inside the namespace (the server's).
    pub inner: String,
    /// The veth end in the root namespace (the client's).
    pub outer: String,
    /// The server's address, inside the namespace.
    pub server_ip: String,
}

fn run(args: &[&str]) -> Result<(), String> {
    let out = Command::new(args[0])
        .args(&args[1..])
        .output()
        .map_err(|e| format!("{}: {e}", args.join(" ")))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "`{}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// Whether a missing namespace must fail the test rather than skip it.
fn strict() -> bool {
    std::env::var_os("ALORA_TEST_STRICT").is_some_and(|v| v == "1")
        || std::env::var_os("CI").is_some()
}

impl Netns {
    /// A fresh namespace and veth pair; `None` (with the reason printed)
    /// where namespaces cannot be made and the run is not strict.
    pub fn make() -> Option<Netns> {
        match Self::try_make() {
            Ok(ns) => Some(ns),
            Err(reason) if strict() => {
                panic!("cannot make a network namespace under ALORA_TEST_STRICT / CI: {reason}")
            }
            Err(reason) => {
                eprintln!("SKIPPED: cannot make a network namespace (root, iproute2): {reason}");
                None
            }
        }
    }

    fn try_make() -> Result<Netns, String> {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let pid = std::process::id();
        // veth names are at most 15 bytes.
        let id = format!("{:x}{n:x}", pid % 0xfffff);
        let (a, b) = (100 + pid % 100, n % 64 * 4);
        let ns = Netns {
            name: format!("alora-{id}"),
            inner: format!("alin{id}"),
            outer: format!("alout{id}"),
            server_ip: format!("10.{a}.{b}.2"),
        };
        let client_ip = format!("10.{a}.{b}.1/30");
        let server_cidr = format!("{}/30", ns.server_ip);
        let (name, inner, outer) = (ns.name.as_str(), ns.inner.as_str(), ns.outer.as_str());
        run(&["ip", "netns", "add", name])?;
        // From here on, `ns` deletes what was made if a later step fails.
        run(&[
            "ip", "link", "add", outer, "type", "veth", "peer", "name", inner,
        ])?;
        run(&["ip", "link", "set", inner, "netns", name])?;
        run(&["ip", "addr", "add", &client_ip, "dev", outer])?;
        run(&["ip", "link", "set", outer, "up"])?;
        ns.exec(&["ip", "addr", "add", &server_cidr, "dev", inner])?;
        ns.exec(&["ip", "link", "set", inner, "up"])?;
        ns.exec(&["ip", "link", "set", "lo", "up"])?;
        Ok(ns)
    }

    /// Runs a command inside the namespace.
    pub fn exec(&self, args: &[&str]) -> Result<(), String> {
        let mut all = vec!["ip", "netns", "exec", &self.name];
        all.extend_from_slice(args);
        run(&all)
    }

    fn rules(&self, op: &str, cut: Cut) {
        let inner = self.inner.as_str();
        let input = [
            "iptables", op, "INPUT", "-i", inner, "-p", "tcp", "-j", "DROP",
        ];
        let output = [
            "iptables", op, "OUTPUT", "-o", inner, "-p", "tcp", "-j", "DROP",
        ];
        let chosen: &[&[&str]] = match cut {
            Cut::Both => &[&input, &output],
            Cut::ToClient => &[&output],
            Cut::ToServer => &[&input],
        };
        for rule in chosen {
            if let Err(e) = self.exec(rule) {
                panic!("{e}");
            }
        }
    }

    /// Drops the link's packets from now on, silently (no RST, no FIN).
    pub fn cut(&self, cut: Cut) {
        self.rules("-I", cut);
    }

    /// Lets them through again.
    pub fn mend(&self, cut: Cut) {
        self.rules("-D", cut);
    }

    /// `tc netem` on both ends of the veth, e.g. `["delay", "100ms"]`.
    /// Err where the kernel has no `sch_netem` (some containers).
    pub fn netem(&self, params: &[&str]) -> Result<(), String> {
        for (inside, dev) in [(true, &self.inner), (false, &self.outer)] {
            let mut args = vec!["tc", "qdisc", "add", "dev", dev.as_str(), "root", "netem"];
            args.extend_from_slice(params);
            if inside {
                self.exec(&args)?;
            } else {
                run(&args)?;
            }
        }
        Ok(())
    }

    /// Drops this share of the TCP packets each way at random (iptables'
    /// `statistic` match), e.g. "0.02".
    pub fn random_loss(&self, probability: &str) {
        let inner = self.inner.as_str();
        for (chain, dir) in [("INPUT", "-i"), ("OUTPUT", "-o")] {
            let rule = [
                "iptables",
                "-I",
                chain,
                dir,
                inner,
                "-p",
                "tcp",
                "-m",
                "statistic",
                "--mode",
                "random",
                "--probability",
                probability,
                "-j",
                "DROP",
            ];
            if let Err(e) = self.exec(&rule) {
                panic!("{e}");
            }
        }
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        // The veth pair goes with the namespace its one end is in; the root
        // end is deleted too in case the move into the namespace failed.
        let _ = run(&["ip", "link", "del", &self.outer]);
        let _ = run(&["ip", "netns", "del", &self.name]);
    }
}
