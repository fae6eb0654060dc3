// Where the token lives: in memory, mirrored to sessionStorage so a reload of the tab keeps
// you signed in (the API issues a one-hour Cognito ID token and no refresh token). Never
// localStorage: the token dies with the tab. XSS, the threat to any script-readable token, is
// what the strict Content-Security-Policy (scripts from our origin only) is there to stop.

import type { User } from "./types";

export interface Session {
  token: string;
  user: User;
}

const KEY = "warbler:session";

/** The token's expiry (seconds since the epoch), read from its payload, or null. */
export function tokenExpiry(token: string): number | null {
  const part = token.split(".")[1];
  if (!part) return null;
  try {
    const json = atob(part.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(part.length / 4) * 4, "="));
    const exp = JSON.parse(json).exp;
    return typeof exp === "number" ? exp : null;
  } catch {
    return null;
  }
}

export function isExpired(token: string, nowSeconds = Date.now() / 1000, skewSeconds = 30): boolean {
  const exp = tokenExpiry(token);
  return exp === null || exp - skewSeconds <= nowSeconds;
}

export function loadSession(storage: Storage = sessionStorage): Session | null {
  try {
    const raw = storage.getItem(KEY);
    if (!raw) return null;
    const session = JSON.parse(raw) as Session;
    if (!session?.token || !session.user || isExpired(session.token)) {
      storage.removeItem(KEY);
      return null;
    }
    return session;
  } catch {
    return null;
  }
}

export function saveSession(session: Session | null, storage: Storage = sessionStorage): void {
  if (session) storage.setItem(KEY, JSON.stringify(session));
  else storage.removeItem(KEY);
}

// Drafts outlive a session: an expired token sends you to log in, and the text is still there.
const DRAFT = "warbler:draft:";

export function loadDraft(key: string, storage: Storage = sessionStorage): string {
  return storage.getItem(DRAFT + key) ?? "";
}

export function saveDraft(key: string, text: string, storage: Storage = sessionStorage): void {
  if (text) storage.setItem(DRAFT + key, text);
  else storage.removeItem(DRAFT + key);
}
