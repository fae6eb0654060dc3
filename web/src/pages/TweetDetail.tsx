import { useCallback, useEffect, useReducer, useState } from "preact/hooks";
import { Compose } from "../components/Compose";
import { TweetCard } from "../components/TweetCard";
import { useApp } from "../context";
import { describeError } from "../lib/api";
import { nextPageQuery, type Page } from "../lib/cursor";
import { initialTimeline, timelineReducer } from "../lib/timeline";
import type { Tweet } from "../lib/types";

interface Conversation {
  ancestors: Tweet[];
  tweet: Tweet;
  replies: Page<Tweet>;
}

/** One tweet with its conversation: the chain it replies to above, its replies below. */
export function TweetPage({ id }: { id: string }) {
  const { api, onLive } = useApp();
  // One reducer over the whole conversation, so likes, deletes and live deletes work alike.
  const [state, dispatch] = useReducer(timelineReducer, undefined, initialTimeline);
  const [error, setError] = useState<string | null>(null);
  const [gone, setGone] = useState(false);

  const load = useCallback(() => {
    api.get<Conversation>(`/tweets/${id}/context`, { limit: 50 }).then(
      (c) => {
        dispatch({ type: "reset" });
        // Later pages of replies append after the first ones: one list, one cursor.
        dispatch({ type: "page", page: { items: [...c.ancestors, c.tweet, ...c.replies.items], next_cursor: c.replies.next_cursor } });
      },
      (e) => setError(describeError(e)),
    );
  }, [api, id]);
  useEffect(load, [load]);
  const moreReplies = () => {
    const query = nextPageQuery(state);
    if (query) api.get<Page<Tweet>>(`/tweets/${id}/replies`, query).then((page) => dispatch({ type: "page", page }), (e) => setError(describeError(e)));
  };
  useEffect(() => onLive((m) => m.type === "delete" && dispatch({ type: "deleted", id: m.tweet_id })), [onLive]);

  const main = state.items.find((t) => t.id === id) as Tweet | undefined;
  if (error) {
    return (
      <section class="screen">
        <h1>Tweet</h1>
        <p class="error" role="alert">
          {error}
        </p>
      </section>
    );
  }
  if (state.fresh) return <p class="muted screen">Loading…</p>;
  if (!main || gone) {
    return (
      <section class="screen">
        <h1>Tweet</h1>
        <p class="muted">This tweet was deleted.</p>
      </section>
    );
  }
  const index = state.items.indexOf(main);
  const before = state.items.slice(0, index);
  const after = state.items.slice(index + 1);
  return (
    <section class="screen" aria-labelledby="tweet-title">
      <h1 id="tweet-title">Tweet</h1>
      {before.length > 0 && (
        <section class="thread" aria-label="Earlier in the conversation">
          {before.map((t) => (
            <TweetCard key={t.id} entry={t} dispatch={dispatch} />
          ))}
        </section>
      )}
      <TweetCard entry={main} dispatch={dispatch} focus onDeleted={() => setGone(true)} onPosted={load} />
      <Compose draftKey={`reply-${main.id}`} label="Your reply" replyTo={main} onPosted={load} />
      <section class="replies" aria-label="Replies">
        <h2>Replies</h2>
        {after.length === 0 ? (
          <p class="muted">No replies yet.</p>
        ) : (
          after.map((t) => <TweetCard key={t.id} entry={t} dispatch={dispatch} />)
        )}
        {!state.done && (
          <button type="button" class="more" onClick={moreReplies}>
            More replies
          </button>
        )}
      </section>
    </section>
  );
}
