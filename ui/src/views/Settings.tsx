// The Settings view: account (token sign-in, keyring), server (with the
// cleartext and host-change warnings, leaving the demo), desktop notifications
// (AttentionSettings.tsx: DND, popups and sounds, quiet hours, ...), autostart.

import { useEffect, useState, type FormEvent } from "react";
import { useAlora } from "../AloraProvider";
import type { Settings } from "../api";
import { Toggle } from "../components/Toggle";
import { useAccount } from "../hooks/useAccount";
import { NotificationSettings } from "./AttentionSettings";

/** Names this machine: a plain connection to it does not cross the network. */
const LOOPBACK = /^(localhost|.+\.localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

function parse(url: string): URL | null {
  try {
    return new URL(url.trim());
  } catch {
    return null;
  }
}

/** The host a server URL names, lowercase (as the app compares them). */
export function hostOf(url: string): string | null {
  return parse(url)?.hostname || null;
}

/**
 * Plain http:// (or ws://) to another machine carries the access token in
 * clear, in the handshake of every connection: what to tell the user.
 */
export function cleartextWarning(url: string): string | null {
  const u = parse(url);
  if (!u || (u.protocol !== "http:" && u.protocol !== "ws:") || !u.hostname || LOOPBACK.test(u.hostname)) return null;
  return `Plain ${u.protocol.slice(0, -1)}:// to ${u.hostname}: your access token would cross the network unencrypted, readable by anyone on the way. Use https:// unless this network is yours alone.`;
}

/** The sign-in timeout as the form shows it: whole minutes, as text (1 to 60). */
function minutes(secs: number): string {
  return String(Math.max(1, Math.round(secs / 60)));
}

function useSave() {
  const { actions } = useAlora();
  return actions.saveSettings;
}

/** The demo keeps its own backend for this run: connecting to a real server is a restart. */
function LeaveDemo({ serverUrl }: { serverUrl: string }) {
  const account = useAccount();
  const [busy, setBusy] = useState(false);
  const restart = async () => {
    setBusy(true);
    if (!(await account.leaveDemo())) setBusy(false);
  };
  return (
    <div className="notice" data-testid="leave-demo">
      <p className="small">
        This is the demo, on a server inside the app. {serverUrl ? `Restart to connect to ${serverUrl}.` : "Save your server to connect to it."}
      </p>
      {serverUrl && (
        <button type="button" className="btn btn-primary" disabled={busy} onClick={() => void restart()}>
          {busy ? "Restarting…" : "Restart and connect"}
        </button>
      )}
    </div>
  );
}

function ConnectionForm({ settings, demo }: { settings: Settings; demo: boolean }) {
  const save = useSave();
  const { state, actions } = useAlora();
  const [saved, setSaved] = useState(false);
  const [serverUrl, setServerUrl] = useState(settings.serverUrl);
  const [socketPath, setSocketPath] = useState(settings.socketPath);
  const [userId, setUserId] = useState(settings.userId ?? "");
  const [caCert, setCaCert] = useState(settings.caCert ?? "");
  const [signInMinutes, setSignInMinutes] = useState(minutes(settings.signInTimeoutSecs));
  useEffect(() => {
    setServerUrl(settings.serverUrl);
    setSocketPath(settings.socketPath);
    setUserId(settings.userId ?? "");
    setCaCert(settings.caCert ?? "");
    setSignInMinutes(minutes(settings.signInTimeoutSecs));
  }, [settings.serverUrl, settings.socketPath, settings.userId, settings.caCert, settings.signInTimeoutSecs]);
  const dirty =
    serverUrl !== settings.serverUrl ||
    socketPath !== settings.socketPath ||
    userId !== (settings.userId ?? "") ||
    caCert !== (settings.caCert ?? "") ||
    signInMinutes !== minutes(settings.signInTimeoutSecs);
  const warning = cleartextWarning(serverUrl);
  // The app forgets the token when the host changes: it was given for the old server.
  const [before, after] = [hostOf(settings.serverUrl), hostOf(serverUrl)];
  const movesHost = before !== null && after !== null && before !== after;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const ok = await save({
      serverUrl: serverUrl.trim(),
      socketPath: socketPath.trim(),
      userId: userId.trim() ? userId.trim() : null,
      caCert: caCert.trim() ? caCert.trim() : null,
      signInTimeoutSecs: Number(signInMinutes) * 60,
    });
    setSaved(ok);
    if (ok && movesHost) await actions.refreshSnapshot();
  };
  return (
    <form className="form" onSubmit={(e) => void submit(e)} aria-labelledby="h-connection">
      <h2 id="h-connection">Server</h2>
      <label className="field">
        <span>Server URL</span>
        <input
          type="url"
          value={serverUrl}
          onChange={(e) => setServerUrl(e.target.value)}
          required
          placeholder="https://api.example.com"
          aria-describedby={warning ? "cleartext-warning" : undefined}
        />
      </label>
      {warning && (
        <p className="small warn-text" id="cleartext-warning" data-testid="cleartext-warning">
          {warning}
        </p>
      )}
      {movesHost && state.app?.signedIn && (
        <p className="small muted" data-testid="host-change">
          Saving a server on another host signs you out here: sign in again for {after}.
        </p>
      )}
      <label className="field">
        <span>Socket path</span>
        <input value={socketPath} onChange={(e) => setSocketPath(e.target.value)} required placeholder="/socket/notification" />
      </label>
      <label className="field">
        <span>User id</span>
        <input value={userId} onChange={(e) => setUserId(e.target.value)} placeholder="From the token when empty" autoComplete="off" />
      </label>
      <label className="field">
        <span>Minutes to finish signing in in the browser</span>
        <input
          type="number"
          min={1}
          max={60}
          step={1}
          value={signInMinutes}
          onChange={(e) => setSignInMinutes(e.target.value)}
          required
        />
      </label>
      <label className="field">
        <span>Extra trusted CA (PEM file)</span>
        <input
          value={caCert}
          onChange={(e) => setCaCert(e.target.value)}
          placeholder="None: the system's CAs only"
          autoComplete="off"
          aria-describedby="ca-cert-hint"
        />
      </label>
      <p className="small muted" id="ca-cert-hint">
        For a server whose certificate a company CA signed. Certificates are always checked.
      </p>
      <div className="row">
        <button type="submit" className="btn btn-primary" disabled={!dirty}>
          Save
        </button>
        <span className="muted small saved" role="status">
          {saved && !dirty && !demo ? "Saved. The app reconnects with these settings." : ""}
        </span>
      </div>
      {demo && <LeaveDemo serverUrl={dirty ? "" : settings.serverUrl.trim()} />}
    </form>
  );
}

function Account() {
  const { state, actions } = useAlora();
  const account = useAccount();
  const [token, setToken] = useState("");
  const [busy, setBusy] = useState(false);
  const [advanced, setAdvanced] = useState(false);
  const [browserNote, setBrowserNote] = useState("");
  const snap = state.app;
  const signInBrowser = async () => {
    setBusy(true);
    setBrowserNote("Finish signing in in your browser…");
    try {
      const result = await account.signInBrowser();
      if (result === "ok") setBrowserNote("Signed in.");
      else if (result === "sign_in_no_endpoints") {
        setBrowserNote("This server does not offer sign-in through the browser: paste an access token below.");
        setAdvanced(true);
      } else if (result === "sign_in_timeout") setBrowserNote("No answer from the browser. Try again.");
      else if (result === "sign_in_denied") setBrowserNote("Sign-in was denied in the browser.");
      else setBrowserNote("");
    } finally {
      setBusy(false);
      await actions.refreshSnapshot();
    }
  };
  const signIn = async (e: FormEvent) => {
    e.preventDefault();
    if (!token.trim()) return;
    setBusy(true);
    try {
      if (await account.signIn(token.trim())) setToken("");
    } finally {
      setBusy(false);
      await actions.refreshSnapshot();
    }
  };
  const signOut = account.signOut;
  return (
    <section className="form" aria-labelledby="h-account">
      <h2 id="h-account">Account</h2>
      <p className="small" data-testid="signed-in">
        {snap?.signedIn ? `Signed in${snap.userId ? ` as ${snap.userId}` : ""}.` : "Not signed in."}
      </p>
      <p className="small muted" data-testid="keyring">
        {snap?.keyring === "memoryOnly"
          ? "No system keyring: the token is kept in memory only and is forgotten when the app quits."
          : snap?.keyring === "os"
            ? "The token is stored in the system keyring."
            : ""}
      </p>
      {!snap?.signedIn && (
        <div className="row">
          <button type="button" className="btn btn-primary" data-testid="sign-in-browser" disabled={busy} onClick={() => void signInBrowser()}>
            Sign in with your browser
          </button>
        </div>
      )}
      {browserNote && (
        <p className="small" role="status" data-testid="sign-in-note">
          {browserNote}
        </p>
      )}
      <details open={advanced} onToggle={(e) => setAdvanced((e.target as HTMLDetailsElement).open)}>
        <summary>Advanced: paste an access token</summary>
      <form className="inline-form" onSubmit={signIn}>
        <label className="grow">
          <span className="sr-only">Access token</span>
          <input
            type="password"
            value={token}
            onChange={(e) => setToken(e.target.value)}
            placeholder="Paste an access token"
            autoComplete="off"
          />
        </label>
        <button type="submit" className="btn btn-primary" disabled={busy || !token.trim()}>
          Sign in
        </button>
      </form>
      </details>
      {snap?.signedIn && (
        <div className="row">
          <button type="button" className="btn btn-danger" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      )}
    </section>
  );
}

export function SettingsView() {
  const { state } = useAlora();
  const save = useSave();
  const settings = state.settings;
  if (!settings) {
    return (
      <section className="view" aria-labelledby="h-settings">
        <h1 id="h-settings">Settings</h1>
        <p className="empty">Loading…</p>
      </section>
    );
  }
  return (
    <section className="view" aria-labelledby="h-settings">
      <div className="view-head">
        <h1 id="h-settings">Settings</h1>
      </div>
      <Account />
      <ConnectionForm settings={settings} demo={state.app?.demo ?? false} />
      <NotificationSettings settings={settings} notifier={state.app?.notifier} />
      <section className="form" aria-labelledby="h-system">
        <h2 id="h-system">System</h2>
        <Toggle label="Start at login" checked={settings.startAtLogin} onChange={(v) => void save({ startAtLogin: v })} />
      </section>
    </section>
  );
}
