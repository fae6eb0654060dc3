import { useCallback, useEffect, useState } from "preact/hooks";
import { Dialog } from "../components/Dialog";
import { EditProfile } from "../components/EditProfile";
import { Entries, useTimeline } from "../components/TweetList";
import { FollowButton, UserList } from "../components/UserList";
import { useApp } from "../context";
import { describeError } from "../lib/api";
import type { Page } from "../lib/cursor";
import { profileHref } from "../lib/route";
import type { Entry, User } from "../lib/types";

type Tab = "tweets" | "likes" | "followers" | "following";

function TweetsTab({ handle, tab }: { handle: string; tab: "tweets" | "likes" }) {
  const { api } = useApp();
  const load = useCallback((q: Record<string, string>) => api.get<Page<Entry>>(`/users/${handle}/${tab}`, q), [api, handle, tab]);
  const timeline = useTimeline(load);
  return <Entries timeline={timeline} label={tab === "tweets" ? "Tweets" : "Likes"} empty={tab === "tweets" ? "No tweets yet." : "No likes yet."} />;
}

function UsersTab({ handle, tab }: { handle: string; tab: "followers" | "following" }) {
  const { api } = useApp();
  const load = useCallback((q: Record<string, string>) => api.get<Page<User>>(`/users/${handle}/${tab}`, q), [api, handle, tab]);
  return <UserList load={load} label={tab === "followers" ? "Followers" : "Following"} empty={tab === "followers" ? "No followers yet." : "Not following anyone yet."} />;
}

export function ProfilePage({ handle, tab }: { handle: string; tab: Tab }) {
  const { api, me } = useApp();
  const [user, setUser] = useState<User | null>(null);
  const [editing, setEditing] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api.get<User>(`/users/${handle}`).then(setUser, (e) => setError(describeError(e)));
  }, [api, handle]);

  if (error) {
    return (
      <section class="screen">
        <h1>@{handle}</h1>
        <p class="error" role="alert">
          {error}
        </p>
      </section>
    );
  }
  if (!user) return <p class="muted screen">Loading…</p>;
  const tabs: [Tab, string][] = [
    ["tweets", `${user.tweets_count} Tweets`],
    ["likes", "Likes"],
    ["followers", `${user.followers_count} Followers`],
    ["following", `${user.following_count} Following`],
  ];
  return (
    <section class="screen" aria-labelledby="profile-title">
      <div class="card profile-head">
        <div>
          <h1 id="profile-title">{user.display_name}</h1>
          <p class="muted">@{user.handle}</p>
          {user.bio && <p>{user.bio}</p>}
        </div>
        {user.id === me.id ? (
          <button type="button" class="secondary" onClick={() => setEditing(true)}>
            Edit profile
          </button>
        ) : (
          <FollowButton user={user} onChange={setUser} />
        )}
      </div>
      {editing && (
        <Dialog title="Edit profile" onClose={() => setEditing(false)}>
          <EditProfile
            user={user}
            onSaved={(saved) => {
              setUser(saved);
              setEditing(false);
            }}
          />
        </Dialog>
      )}
      <nav class="tabs" aria-label="Profile sections">
        {tabs.map(([name, label]) => (
          <a key={name} href={profileHref(user.handle, name)} aria-current={tab === name ? "page" : undefined}>
            {label}
          </a>
        ))}
      </nav>
      {tab === "tweets" || tab === "likes" ? (
        <TweetsTab key={tab} handle={user.handle} tab={tab} />
      ) : (
        <UsersTab key={tab} handle={user.handle} tab={tab} />
      )}
    </section>
  );
}
