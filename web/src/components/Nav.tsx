import { useApp } from "../context";
import { profileHref, type Route } from "../lib/route";

export function Nav({ route }: { route: Route }) {
  const { me, unread, liveStatus, setSession } = useApp();
  const current = (name: Route["name"], extra = true) => (route.name === name && extra ? "page" : undefined);
  return (
    <header class="nav">
      <a class="brand" href="#/" aria-label="Warbler home">
        <svg viewBox="0 0 32 32" width="28" height="28" aria-hidden="true">
          <circle cx="16" cy="16" r="15" fill="currentColor" />
          <path d="M8 19c4 0 7-3 8-7 1 3 4 5 8 5-2 4-6 7-11 7-2 0-4-1-5-2z" fill="var(--bg)" />
        </svg>
        <span>Warbler</span>
      </a>
      <nav aria-label="Main">
        <ul>
          <li>
            <a href="#/" aria-current={current("home")}>
              Home
            </a>
          </li>
          <li>
            <a href="#/search" aria-current={current("search")}>
              Search
            </a>
          </li>
          <li>
            <a href="#/notifications" aria-current={current("notifications")}>
              Notifications
              {unread > 0 && (
                <span class="badge" data-testid="notification-badge">
                  {unread > 99 ? "99+" : unread}
                  <span class="visually-hidden"> unread</span>
                </span>
              )}
            </a>
          </li>
          <li>
            <a
              href={profileHref(me.handle)}
              aria-current={current("profile", route.name === "profile" && route.handle.toLowerCase() === me.handle.toLowerCase())}
            >
              Profile
            </a>
          </li>
        </ul>
      </nav>
      <div class="nav-foot">
        <span class={`live live-${liveStatus}`} title={`Live updates: ${liveStatus}`}>
          <span aria-hidden="true">●</span> {liveStatus === "open" ? "Live" : liveStatus === "closed" ? "Offline" : "Reconnecting…"}
        </span>
        <button type="button" class="link-button" onClick={() => setSession(null)}>
          Log out @{me.handle}
        </button>
      </div>
    </header>
  );
}
