import { ListFooter } from "../components/ListFooter";
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { useApp } from "../context";
import { describeError } from "../lib/api";
import { appendPage, emptyPaged, nextPageQuery, type Page, type Paged } from "../lib/cursor";
import { mergeNotification, notificationSentence } from "../lib/notifications";
import { profileHref, tweetHref } from "../lib/route";
import { shortAge } from "../lib/time";
import type { Notification } from "../lib/types";

export function NotificationsPage() {
  const { api, onLive, setUnread } = useApp();
  const [state, setState] = useState<Paged<Notification>>(emptyPaged);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const ref = useRef(state);
  ref.current = state;
  const markedUpTo = useRef<string | null>(null);

  // Opening the screen marks everything shown as read; the items keep their unread look until
  // you leave, so you can see what was new.
  const markRead = useCallback(
    (newest: string | undefined) => {
      if (!newest || (markedUpTo.current && markedUpTo.current >= newest)) return;
      markedUpTo.current = newest;
      api.request<{ unread_count: number }>("POST", "/notifications/read", { body: { up_to_id: newest } }).then(
        (body) => setUnread(body.unread_count),
        () => undefined,
      );
    },
    [api, setUnread],
  );

  const more = useCallback(() => {
    const query = nextPageQuery(ref.current);
    if (!query) return;
    setLoading(true);
    api
      .get<Page<Notification>>("/notifications", query)
      .then(
        (page) => {
          setState((s) => appendPage(s, page));
          if (ref.current.fresh) markRead(page.items[0]?.id);
        },
        (e) => setError(describeError(e)),
      )
      .finally(() => setLoading(false));
  }, [api, markRead]);
  useEffect(more, [more]);

  useEffect(
    () =>
      onLive((m) => {
        if (m.type !== "notification") return;
        setState((s) => ({ ...s, items: mergeNotification(s.items, m.notification) }));
        markRead(m.notification.id);
      }),
    [onLive, markRead],
  );

  return (
    <section class="screen" aria-labelledby="notifications-title">
      <h1 id="notifications-title">Notifications</h1>
      <ol class="notifications" aria-busy={loading}>
        {state.items.map((n) => (
          <li key={n.id} class={`notification${n.read ? "" : " unread"}`}>
            {!n.read && <span class="visually-hidden">New: </span>}
            <p>
              {n.actors[0] ? <a href={profileHref(n.actors[0].handle)}>{notificationSentence(n)}</a> : notificationSentence(n)}
              <span class="muted"> · <time dateTime={n.created_at}>{shortAge(n.created_at)}</time></span>
            </p>
            {n.tweet && (
              <p class="muted notification-tweet">
                {/* a tweet of media alone has no text, and a link needs a name */}
                <a href={tweetHref(n.tweet.id)}>{n.tweet.text || (n.tweet.media?.length ? "A tweet with media" : "A tweet")}</a>
              </p>
            )}
          </li>
        ))}
      </ol>
      <ListFooter state={state} loading={loading} error={error} empty="No notifications yet." onMore={more} />
    </section>
  );
}
