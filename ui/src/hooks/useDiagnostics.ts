// The Diagnostics view's data: the app's diagnostics (state history,
// counters), read again whenever the link changes state or on request.

import { useCallback, useEffect, useState } from "react";
import { useAlora } from "../AloraProvider";
import * as api from "../api";
import type { Diagnostics } from "../api";

export type UseDiagnostics = { diag: Diagnostics | null; error: string | null; reload: () => Promise<void> };

export function useDiagnostics(): UseDiagnostics {
  const { state } = useAlora();
  const [diag, setDiag] = useState<Diagnostics | null>(null);
  const [error, setError] = useState<string | null>(null);
  const reload = useCallback(async () => {
    try {
      setDiag(await api.getDiagnostics());
      setError(null);
    } catch (e) {
      setError(api.ApiError.from(e).message);
    }
  }, []);
  // refresh whenever the link changes state
  const link = state.link.current;
  useEffect(() => {
    void reload();
  }, [reload, link]);
  return { diag, error, reload };
}
