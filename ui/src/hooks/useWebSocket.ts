// Seed 000's `useWebSocketHook()`: the same names, now backed by the app.

import { useSocket } from "./useSocket";
import type { UseSocket } from "./useSocket";

export type UseWebSocketHook = Pick<UseSocket, "isConnected" | "emit" | "sendTyping" | "updateStatus" | "sendBookingUpdate">;

export function useWebSocketHook(): UseWebSocketHook {
  const { isConnected, emit, sendTyping, updateStatus, sendBookingUpdate } = useSocket();
  return { isConnected, emit, sendTyping, updateStatus, sendBookingUpdate };
}

export { useSocket };
