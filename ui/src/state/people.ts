// The people slice: presence as the live events tell it (who came online,
// went offline, changed status), by user id.

import { optStr, str, type Action, type Person } from "./types";

export type PeopleSlice = Record<string, Person>;

export const initialPeople: PeopleSlice = {};

export function people(s: PeopleSlice, a: Action): PeopleSlice {
  if (a.type !== "incoming") return s;
  const inc = a.incoming;
  switch (inc.event) {
    case "userOnline":
    case "userOffline": {
      const id = str(inc.data.userId);
      const prev = s[id];
      const p: Person = {
        userId: id,
        name: optStr(inc.data.name) ?? prev?.name ?? null,
        online: inc.event === "userOnline",
        status: inc.event === "userOffline" ? "offline" : prev?.status === "offline" ? null : (prev?.status ?? null),
        lastSeen: a.now,
      };
      return { ...s, [id]: p };
    }
    case "statusUpdated": {
      const id = str(inc.data.userId);
      const status = str(inc.data.status);
      const p: Person = { userId: id, name: s[id]?.name ?? null, online: status !== "offline", status, lastSeen: a.now };
      return { ...s, [id]: p };
    }
    default:
      return s;
  }
}

/** Online first, then by name. */
export function sortedPeople(s: PeopleSlice): Person[] {
  return Object.values(s).sort(
    (a, b) => Number(b.online) - Number(a.online) || (a.name ?? a.userId).localeCompare(b.name ?? b.userId),
  );
}
