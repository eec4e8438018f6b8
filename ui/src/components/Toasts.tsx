// The toasts: each dismissed after a while, by its button or (all) by Escape,
// with an Open button for those that point at an item.

import { useEffect } from "react";
import { useAlora } from "../AloraProvider";
import type { Toast } from "../state";
import { Icon } from "./Icon";

function ToastItem({ toast }: { toast: Toast }) {
  const { actions } = useAlora();
  useEffect(() => {
    const t = setTimeout(() => actions.dismissToast(toast.id), toast.kind === "error" ? 10000 : 6000);
    return () => clearTimeout(t);
  }, [toast.id, toast.kind, actions]);
  const target = toast.target;
  return (
    <li className={`toast toast-${toast.kind}`}>
      {/* an <li> may not be an alert: its text is */}
      <div className="toast-text" role={toast.kind === "error" ? "alert" : undefined}>
        <strong className="toast-title">{toast.title}</strong>
        {toast.body && <span className="toast-body">{toast.body}</span>}
      </div>
      {target && (
        <button
          type="button"
          className="btn btn-small btn-quiet"
          onClick={() => {
            actions.navigate(target.view, target.id);
            actions.dismissToast(toast.id);
          }}
        >
          Open
        </button>
      )}
      <button
        type="button"
        className="icon-btn"
        aria-label={`Dismiss: ${toast.title}`}
        onClick={() => actions.dismissToast(toast.id)}
      >
        <Icon name="close" size={16} />
      </button>
    </li>
  );
}

export function Toasts() {
  const { state, actions } = useAlora();
  const ids = state.toasts.map((t) => t.id).join(",");
  // Escape dismisses every toast
  useEffect(() => {
    if (!ids) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") for (const id of ids.split(",")) actions.dismissToast(Number(id));
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [ids, actions]);
  return (
    <section
      className={`toasts${state.nav.view === "messages" && state.nav.openConversation ? " at-top" : ""}`}
      aria-label="Alerts"
      aria-live="polite"
    >
      <ul>
        {state.toasts.map((t) => (
          <ToastItem key={t.id} toast={t} />
        ))}
      </ul>
    </section>
  );
}
