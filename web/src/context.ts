import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { ApiClient } from "./lib/api";
import type { LiveStatus } from "./lib/live";
import type { Session } from "./lib/session";
import type { LiveMessage, User } from "./lib/types";

export interface AppContextValue {
  api: ApiClient;
  me: User;
  liveStatus: LiveStatus;
  /** Receive every live message while mounted; returns the unsubscribe. */
  onLive: (listener: (message: LiveMessage) => void) => () => void;
  toast: (message: string) => void;
  unread: number;
  setUnread: (count: number) => void;
  refreshUnread: () => void;
  setSession: (session: Session | null) => void;
}

export const AppContext = createContext<AppContextValue | null>(null);

export function useApp(): AppContextValue {
  const value = useContext(AppContext);
  if (!value) throw new Error("useApp outside the signed-in app");
  return value;
}
