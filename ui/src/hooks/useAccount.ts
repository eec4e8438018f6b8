// The account's commands for the Settings view: sign in through the browser
// or with a token, sign out, leave the demo. A failure becomes a toast; each says whether it worked.

import { useMemo } from "react";
import { useAlora } from "../AloraProvider";
import * as api from "../api";
import { ApiError } from "../api";

export type UseAccount = {
  /** True once the app took the token. */
  signIn: (token: string) => Promise<boolean>;
  /** "ok", or the error's code (`sign_in_no_endpoints`: the server wants a pasted token). */
  signInBrowser: () => Promise<string>;
  /** Signs out, then reads the app's state again. */
  signOut: () => Promise<void>;
  /** Restarts the app out of the demo; false when it refused (the window stays). */
  leaveDemo: () => Promise<boolean>;
};

export function useAccount(): UseAccount {
  const { actions } = useAlora();
  return useMemo<UseAccount>(
    () => ({
      signIn: async (token) => {
        try {
          await api.signIn(token);
          return true;
        } catch (err) {
          actions.reportError(err, "Couldn't sign in");
          return false;
        }
      },
      signInBrowser: async () => {
        try {
          await api.signInBrowser();
          return "ok";
        } catch (err) {
          actions.reportError(err, "Couldn't sign in through the browser");
          return ApiError.from(err).code;
        }
      },
      signOut: async () => {
        try {
          await api.signOut();
        } catch (err) {
          actions.reportError(err, "Couldn't sign out");
        }
        await actions.refreshSnapshot();
      },
      leaveDemo: async () => {
        try {
          await api.leaveDemo();
          return true;
        } catch (err) {
          actions.reportError(err, "Couldn't leave the demo");
          return false;
        }
      },
    }),
    [actions],
  );
}
