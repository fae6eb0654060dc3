import { ListFooter } from "./ListFooter";
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { useApp } from "../context";
import { describeError } from "../lib/api";
import { appendPage, emptyPaged, nextPageQuery, type Page, type Paged } from "../lib/cursor";
import { profileHref } from "../lib/route";
import type { User } from "../lib/types";

export function UserList({ load, label, empty }: { load: (q: Record<string, string>) => Promise<Page<User>>; label: string; empty: string }) {
  const [state, setState] = useState<Paged<User>>(emptyPaged);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const ref = useRef(state);
  ref.current = state;
  const more = useCallback(() => {
    const query = nextPageQuery(ref.current);
    if (!query) return;
    setLoading(true);
    load(query)
      .then((page) => setState((s) => appendPage(s, page)), (e) => setError(describeError(e)))
      .finally(() => setLoading(false));
  }, [load]);
  useEffect(more, [more]);
  return (
    <section class="entries" aria-label={label} aria-busy={loading}>
      <ul class="users">
        {state.items.map((user) => (
          <li key={user.id} class="user-row">
            <a href={profileHref(user.handle)}>
              <strong>{user.display_name}</strong> <span class="muted">@{user.handle}</span>
            </a>
            {user.bio && <p>{user.bio}</p>}
          </li>
        ))}
      </ul>
      <ListFooter state={state} loading={loading} error={error} empty={empty} onMore={more} />
    </section>
  );
}

/** Follow / unfollow, optimistic, rolled back on error. */
export function FollowButton({ user, onChange }: { user: User; onChange: (u: User) => void }) {
  const { api, toast, me } = useApp();
  const [busy, setBusy] = useState(false);
  if (user.id === me.id) return null;
  const click = async () => {
    const on = !user.following;
    const before = user;
    onChange({ ...user, following: on, followers_count: user.followers_count + (on ? 1 : -1) });
    setBusy(true);
    try {
      await api.request(on ? "POST" : "DELETE", `/users/${user.handle}/follow`);
    } catch (error) {
      onChange(before);
      toast(describeError(error));
    } finally {
      setBusy(false);
    }
  };
  return (
    <button type="button" class={user.following ? "secondary" : "primary"} aria-pressed={user.following} disabled={busy} onClick={click}>
      {user.following ? "Following" : "Follow"}
      <span class="visually-hidden"> @{user.handle}</span>
    </button>
  );
}
