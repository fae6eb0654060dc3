import { useCallback, useEffect, useReducer, useRef, useState } from "preact/hooks";
import { useApp } from "../context";
import { describeError } from "../lib/api";
import { nextPageQuery, type Page } from "../lib/cursor";
import { initialTimeline, timelineReducer, type TimelineAction, type TimelineState } from "../lib/timeline";
import type { Entry, Tweet } from "../lib/types";
import { TweetCard } from "./TweetCard";

export type Loader = (query: Record<string, string>) => Promise<Page<Entry>>;

export interface Timeline {
  state: TimelineState;
  dispatch: (action: TimelineAction) => void;
  loading: boolean;
  error: string | null;
  loadMore: () => void;
}

/** A paged list of tweets that live deletes reach; with ``live``, pushed tweets wait behind a pill. */
export function useTimeline(load: Loader, options: { live?: boolean } = {}): Timeline {
  const { onLive } = useApp();
  const [state, dispatch] = useReducer(timelineReducer, undefined, initialTimeline);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const busy = useRef(false);
  const stateRef = useRef(state);
  stateRef.current = state;

  const loadMore = useCallback(() => {
    const query = nextPageQuery(stateRef.current);
    if (!query || busy.current) return;
    busy.current = true;
    setLoading(true);
    setError(null);
    load(query)
      .then(
        (page) => dispatch({ type: "page", page }),
        (e) => setError(describeError(e)),
      )
      .finally(() => {
        busy.current = false;
        setLoading(false);
      });
  }, [load]);

  useEffect(() => {
    loadMore();
  }, [loadMore]);

  useEffect(
    () =>
      onLive((message) => {
        if (message.type === "delete") dispatch({ type: "deleted", id: message.tweet_id });
        else if (message.type === "tweet" && options.live) dispatch({ type: "pushed", entry: message.tweet });
      }),
    [onLive, options.live],
  );

  return { state, dispatch, loading, error, loadMore };
}

function Sentinel({ onVisible, disabled }: { onVisible: () => void; disabled: boolean }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (disabled || !ref.current || typeof IntersectionObserver === "undefined") return;
    const observer = new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && onVisible(), {
      rootMargin: "600px 0px",
    });
    observer.observe(ref.current);
    return () => observer.disconnect();
  }, [onVisible, disabled]);
  return <div ref={ref} class="sentinel" />;
}

interface EntriesProps {
  timeline: Timeline;
  label: string;
  empty: string;
  onPosted?: (tweet: Tweet) => void;
}

export function Entries({ timeline, label, empty, onPosted }: EntriesProps) {
  const { state, dispatch, loading, error, loadMore } = timeline;
  const pending = state.pending.length;
  return (
    <section class="entries" aria-label={label} aria-busy={loading}>
      {pending > 0 && (
        <button
          type="button"
          class="new-pill"
          onClick={() => {
            dispatch({ type: "show_pending" });
            scrollTo({ top: 0 });
          }}
        >
          {pending} new
        </button>
      )}
      <div class="visually-hidden" aria-live="polite">
        {pending > 0 ? `${pending} new ${pending === 1 ? "tweet" : "tweets"}` : ""}
      </div>
      {state.items.map((entry) => (
        <TweetCard key={entry.id} entry={entry} dispatch={dispatch} onPosted={onPosted} />
      ))}
      {!state.fresh && state.items.length === 0 && !loading && <p class="muted empty">{empty}</p>}
      {error && (
        <p class="error" role="alert">
          {error}{" "}
          <button type="button" class="link-button" onClick={loadMore}>
            Try again
          </button>
        </p>
      )}
      {loading && <p class="muted loading">Loading…</p>}
      {!state.done && !error && (
        <>
          <Sentinel onVisible={loadMore} disabled={loading || state.fresh} />
          {!state.fresh && !loading && (
            <button type="button" class="more" onClick={loadMore}>
              Load more
            </button>
          )}
        </>
      )}
    </section>
  );
}
