import { useState } from "preact/hooks";
import { describeError, type ApiClient } from "../lib/api";
import type { Session } from "../lib/session";
import type { User } from "../lib/types";

interface AuthProps {
  mode: "login" | "signup";
  api: ApiClient;
  expired: boolean;
  onSession: (session: Session) => void;
}

export function AuthPage({ mode, api, expired, onSession }: AuthProps) {
  const [handle, setHandle] = useState("");
  const [password, setPassword] = useState("");
  const [displayName, setDisplayName] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const signup = mode === "signup";

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body = signup ? { handle, password, display_name: displayName || undefined } : { handle, password };
      const result = await api.request<{ user: User; token: string }>("POST", signup ? "/auth/signup" : "/auth/login", { body });
      onSession({ token: result.token, user: result.user });
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" class="auth">
      <div class="card auth-card">
        <h1>
          <span class="brand-name">Warbler</span> {signup ? "— create your account" : "— log in"}
        </h1>
        {expired && (
          <p class="notice" role="status">
            Your session expired. Log in again: your draft is kept.
          </p>
        )}
        <form onSubmit={submit} noValidate={false}>
          <label for="auth-handle">Handle</label>
          <input
            id="auth-handle"
            name="handle"
            autoComplete="username"
            required
            maxLength={15}
            pattern="[A-Za-z0-9_]{1,15}"
            aria-describedby={signup ? "auth-handle-help" : undefined}
            value={handle}
            onInput={(e) => setHandle((e.target as HTMLInputElement).value)}
          />
          {signup && (
            <p id="auth-handle-help" class="help">
              1–15 letters, digits or underscores.
            </p>
          )}
          {signup && (
            <>
              <label for="auth-name">Display name (optional)</label>
              <input
                id="auth-name"
                name="display_name"
                autoComplete="nickname"
                maxLength={50}
                value={displayName}
                onInput={(e) => setDisplayName((e.target as HTMLInputElement).value)}
              />
            </>
          )}
          <label for="auth-password">Password</label>
          <input
            id="auth-password"
            name="password"
            type="password"
            autoComplete={signup ? "new-password" : "current-password"}
            required
            minLength={signup ? 12 : undefined}
            aria-describedby={signup ? "auth-password-help" : undefined}
            value={password}
            onInput={(e) => setPassword((e.target as HTMLInputElement).value)}
          />
          {signup && (
            <p id="auth-password-help" class="help">
              At least 12 characters.
            </p>
          )}
          {error && (
            <p class="error" role="alert">
              {error}
            </p>
          )}
          <button type="submit" class="primary wide" disabled={busy}>
            {busy ? "Please wait…" : signup ? "Sign up" : "Log in"}
          </button>
        </form>
        <p>
          {signup ? (
            <>
              Already have an account? <a href="#/login">Log in</a>
            </>
          ) : (
            <>
              New here? <a href="#/signup">Create an account</a>
            </>
          )}
        </p>
      </div>
    </main>
  );
}
