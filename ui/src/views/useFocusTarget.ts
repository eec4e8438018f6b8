// The item app://navigate (or a toast) asked a view to show: highlighted for
// a while, scrolled to and focused.

import { useEffect, useState } from "react";
import { useAlora } from "../AloraProvider";
import type { NavView } from "../api";

/**
 * The id that `app://navigate` (or a toast) asked a view to show, and a
 * callback ref-friendly scroll helper. The highlight fades after a while.
 */
export function useFocusTarget(view: NavView): string | null {
  const { state } = useAlora();
  const f = state.nav.focus;
  const [id, setId] = useState<string | null>(null);
  useEffect(() => {
    if (!f || f.view !== view || !f.id) return;
    setId(f.id);
    const t = setTimeout(() => setId(null), 4000);
    return () => clearTimeout(t);
  }, [f, view]);
  useEffect(() => {
    if (!id) return;
    const el = document.querySelector(`[data-item-id="${CSS.escape(id)}"]`);
    if (el instanceof HTMLElement) {
      el.scrollIntoView?.({ block: "nearest" });
      el.focus({ preventScroll: true });
    }
  }, [id]);
  return id;
}
