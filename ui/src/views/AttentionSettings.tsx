// Settings' "Desktop notifications" section: Alora's Do Not Disturb (on, or
// until tomorrow), a popup and a sound per kind, re-alerts of unanswered
// booking requests, quiet hours with the urgent bypass, the offline alarm.
// The app refuses minutes out of range and bad times (`invalid_input`):
// its message is shown under the part that was saved.

import { useEffect, useId, useState, type KeyboardEvent } from "react";
import { useAlora } from "../AloraProvider";
import { POPUP_KINDS, type AttentionPatch, type Availability, type QuietHours, type Settings } from "../api";
import { Switch, Toggle } from "../components/Toggle";
import { dndUntil, dndWords, kindLabel } from "../format";
import { useNow } from "../hooks/useNow";

type Part = "kinds" | "booking" | "quiet" | "offline";
type Failure = { part: Part; message: string } | null;

const lowerFirst = (s: string) => (s ? s[0].toLowerCase() + s.slice(1) : s);
const errorId = (part: Part) => `attention-error-${part}`;

function PartError({ part, failure }: { part: Part; failure: Failure }) {
  if (failure?.part !== part) return null;
  return (
    <p className="small warn-text" id={errorId(part)} role="alert" data-testid="attention-error">
      {failure.message}
    </p>
  );
}

/** A whole number of minutes, saved when it is left (blur or Enter); an empty or broken one goes back. */
function MinutesInput({
  label,
  value,
  min,
  max,
  invalid,
  describedBy,
  onCommit,
}: {
  label: string;
  value: number;
  min: number;
  max: number;
  invalid: boolean;
  describedBy?: string;
  onCommit: (n: number) => void;
}) {
  const [draft, setDraft] = useState(String(value));
  useEffect(() => setDraft(String(value)), [value]);
  const commit = () => {
    const n = Number(draft);
    if (draft.trim() === "" || !Number.isInteger(n)) setDraft(String(value));
    else if (n !== value || invalid) onCommit(n);
  };
  const onKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === "Enter") {
      e.preventDefault();
      commit();
    }
  };
  const rangeId = useId();
  return (
    <div className="field field-inline">
      <label>
        <span>{label}</span>{" "}
        <input
          type="number"
          inputMode="numeric"
          min={min}
          max={max}
          step={1}
          value={draft}
          aria-invalid={invalid || undefined}
          aria-describedby={[rangeId, describedBy].filter(Boolean).join(" ")}
          onChange={(e) => setDraft(e.target.value)}
          onBlur={commit}
          onKeyDown={onKey}
        />
      </label>
      <span className="muted small" id={rangeId}>
        {min} to {max}
      </span>
    </div>
  );
}

/** `"HH:MM"`, saved as soon as the input holds a whole time. */
function TimeInput({ label, value, onCommit, describedBy }: { label: string; value: string; onCommit: (v: string) => void; describedBy?: string }) {
  const [draft, setDraft] = useState(value);
  useEffect(() => setDraft(value), [value]);
  const change = (v: string) => {
    setDraft(v);
    const hhmm = v.slice(0, 5);
    if (/^\d{2}:\d{2}$/.test(hhmm) && hhmm !== value) onCommit(hhmm);
  };
  return (
    <label className="field field-inline">
      <span>{label}</span>
      <input type="time" value={draft} aria-describedby={describedBy} onChange={(e) => change(e.target.value)} onBlur={() => !draft && setDraft(value)} />
    </label>
  );
}

function DoNotDisturb({ settings }: { settings: Settings }) {
  const { actions } = useAlora();
  const now = useNow(settings.attention?.dndUntil != null, 30_000);
  const until = dndUntil(settings, now);
  const on = settings.dnd || until !== null;
  return (
    <div className="dnd">
      <Toggle
        label="Do not disturb"
        hint="No popups; everything still lands in Notifications."
        checked={on}
        onChange={(v) => void actions.setDnd(v)}
      />
      <p className="small" data-testid="dnd-state">
        Do Not Disturb: <strong>{dndWords(settings, now)}</strong>
      </p>
      <div className="row">
        {!settings.dnd && (
          <button type="button" className="btn btn-small" onClick={() => void actions.dndUntilTomorrow()}>
            Quiet until tomorrow
          </button>
        )}
        {on && (
          <button type="button" className="btn btn-small" onClick={() => void actions.setDnd(false)}>
            Resume now
          </button>
        )}
      </div>
    </div>
  );
}

/** A popup and a sound per kind; a kind without popups plays no sound either. */
function KindTable({ settings, saveSound, failure }: { settings: Settings; saveSound: (patch: AttentionPatch) => void; failure: Failure }) {
  const { actions } = useAlora();
  const sounds = settings.attention.sounds;
  return (
    <fieldset className="plain">
      <legend>Popups and sounds</legend>
      <table className="kinds" aria-describedby={failure?.part === "kinds" ? errorId("kinds") : undefined}>
        <thead>
          <tr>
            <th scope="col">Kind</th>
            <th scope="col">Popup</th>
            <th scope="col">Sound</th>
          </tr>
        </thead>
        <tbody>
          {POPUP_KINDS.map((k) => {
            const name = kindLabel(k);
            const popup = settings.popups[k] ?? false;
            return (
              <tr key={k} data-testid={`kind-${k}`}>
                <th scope="row">{name}</th>
                <td>
                  <Switch
                    label={`Popup for ${lowerFirst(name)}`}
                    checked={popup}
                    onChange={(v) => void actions.saveSettings({ popups: { ...settings.popups, [k]: v } })}
                  />
                </td>
                <td>
                  <Switch
                    label={`Sound for ${lowerFirst(name)}`}
                    checked={popup && (sounds[k] ?? false)}
                    disabled={!popup}
                    onChange={(v) => saveSound({ sounds: { [k]: v } })}
                  />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <p className="small muted">A sound off silences the desktop's own notification sound too.</p>
      <PartError part="kinds" failure={failure} />
    </fieldset>
  );
}

export function NotificationSettings({ settings, notifier }: { settings: Settings; notifier?: Availability }) {
  const { actions } = useAlora();
  const [failure, setFailure] = useState<Failure>(null);
  const save = async (part: Part, attention: AttentionPatch) => {
    const failed = await actions.trySaveSettings({ attention });
    setFailure((f) => (failed ? { part, message: failed.message } : f?.part === part ? null : f));
  };
  const a = settings.attention;
  const saveQuiet = (q: Partial<QuietHours>) => void save("quiet", { quietHours: { ...a.quietHours, ...q } });
  const described = (part: Part) => (failure?.part === part ? errorId(part) : undefined);
  return (
    <section className="form" aria-labelledby="h-popups">
      <h2 id="h-popups">Desktop notifications</h2>
      {notifier === "unavailable" && (
        <p className="small warn-text">No notification service was found on this system; popups can't be shown.</p>
      )}
      <DoNotDisturb settings={settings} />
      <KindTable settings={settings} saveSound={(p) => void save("kinds", p)} failure={failure} />

      <fieldset className="plain">
        <legend>Booking requests</legend>
        <Toggle
          label="Re-alert unanswered booking requests"
          hint="The popup comes back, up to 3 times, until the request is answered."
          checked={a.realert}
          onChange={(v) => void save("booking", { realert: v })}
        />
        <MinutesInput
          label="Minutes between re-alerts"
          value={a.realertMinutes}
          min={2}
          max={30}
          invalid={failure?.part === "booking"}
          describedBy={described("booking")}
          onCommit={(n) => void save("booking", { realertMinutes: n })}
        />
        <PartError part="booking" failure={failure} />
        <Toggle
          label="Let booking requests through quiet time"
          hint="Through Do Not Disturb and quiet hours."
          checked={a.urgentBypass}
          onChange={(v) => void save("booking", { urgentBypass: v })}
        />
      </fieldset>

      <fieldset className="plain">
        <legend>Quiet hours</legend>
        <Toggle
          label="Quiet hours every day"
          hint="No popups in this time; a summary when it ends. From after to runs across midnight."
          checked={a.quietHours.enabled}
          onChange={(v) => saveQuiet({ enabled: v })}
        />
        <div className="row">
          <TimeInput label="Quiet from" value={a.quietHours.from} describedBy={described("quiet")} onCommit={(from) => saveQuiet({ from })} />
          <TimeInput label="Quiet until" value={a.quietHours.to} describedBy={described("quiet")} onCommit={(to) => saveQuiet({ to })} />
        </div>
        <PartError part="quiet" failure={failure} />
      </fieldset>

      <fieldset className="plain">
        <legend>Connection</legend>
        <Toggle
          label="Alarm when Alora is offline"
          hint="A popup once the connection has been down for the grace time; withdrawn when it is back."
          checked={a.offlineAlarm}
          onChange={(v) => void save("offline", { offlineAlarm: v })}
        />
        <MinutesInput
          label="Grace minutes before the alarm"
          value={a.offlineGraceMinutes}
          min={1}
          max={60}
          invalid={failure?.part === "offline"}
          describedBy={described("offline")}
          onCommit={(n) => void save("offline", { offlineGraceMinutes: n })}
        />
        <PartError part="offline" failure={failure} />
      </fieldset>
    </section>
  );
}
