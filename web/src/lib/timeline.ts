// The live-update reducer of a timeline: pages from the server, tweets pushed over the
// WebSocket held behind an "N new" pill until opened, deletes removing every entry that shows
// the tweet (the tweet itself, retweets of it, a quote's embedded copy), and optimistic edits
// of one tweet's counters that can be rolled back.

import { appendPage, emptyPaged, type Page, type Paged } from "./cursor";
import { isRetweet, shown, type Entry, type Tweet } from "./types";

export interface TimelineState extends Paged<Entry> {
  /** Pushed entries not yet shown, newest first. */
  pending: Entry[];
  /** Ids deleted while this screen was open: a late page or push must not bring them back. */
  deleted: ReadonlySet<string>;
}

export type TimelineAction =
  | { type: "page"; page: Page<Entry> }
  | { type: "reset" }
  | { type: "pushed"; entry: Entry }
  | { type: "show_pending" }
  | { type: "posted"; entry: Entry }
  | { type: "deleted"; id: string }
  | { type: "patch"; id: string; patch: Partial<Tweet> }
  | { type: "replace"; tweet: Tweet };

export function initialTimeline(): TimelineState {
  return { ...emptyPaged<Entry>(), pending: [], deleted: new Set() };
}

function showsDeleted(entry: Entry, deleted: ReadonlySet<string>): boolean {
  return deleted.has(entry.id) || (isRetweet(entry) && deleted.has(entry.retweet_of.id));
}

function withoutQuote(tweet: Tweet, id: string): Tweet {
  return tweet.quote_of && tweet.quote_of.id === id ? { ...tweet, quote_of: null } : tweet;
}

function mapTweets(entries: Entry[], fn: (t: Tweet) => Tweet): Entry[] {
  let changed = false;
  const out = entries.map((entry) => {
    const before = shown(entry);
    const after = fn(before);
    if (after === before) return entry;
    changed = true;
    return isRetweet(entry) ? { ...entry, retweet_of: after } : after;
  });
  return changed ? out : entries;
}

function has(entries: Entry[], id: string): boolean {
  return entries.some((e) => e.id === id);
}

export function timelineReducer(state: TimelineState, action: TimelineAction): TimelineState {
  switch (action.type) {
    case "reset":
      return initialTimeline();
    case "page": {
      const page = { ...action.page, items: action.page.items.filter((e) => !showsDeleted(e, state.deleted)) };
      const next = appendPage(state, page);
      // A pushed entry that a page now shows is no longer "new".
      const pending = state.pending.filter((e) => !has(next.items, e.id));
      return { ...state, ...next, pending };
    }
    case "pushed": {
      const entry = action.entry;
      if (showsDeleted(entry, state.deleted) || has(state.items, entry.id) || has(state.pending, entry.id)) {
        return state;
      }
      return { ...state, pending: [entry, ...state.pending] };
    }
    case "show_pending": {
      if (state.pending.length === 0) return state;
      const items = [...state.pending, ...state.items.filter((e) => !has(state.pending, e.id))];
      return { ...state, items, pending: [] };
    }
    case "posted": {
      // The caller's own post shows at once (the server puts it in their timeline synchronously).
      const items = [action.entry, ...state.items.filter((e) => e.id !== action.entry.id)];
      return { ...state, items, pending: state.pending.filter((e) => e.id !== action.entry.id) };
    }
    case "deleted": {
      const deleted = new Set(state.deleted).add(action.id);
      const keep = (e: Entry) => !showsDeleted(e, deleted);
      const strip = (t: Tweet) => withoutQuote(t, action.id);
      return {
        ...state,
        deleted,
        items: mapTweets(state.items.filter(keep), strip),
        pending: mapTweets(state.pending.filter(keep), strip),
      };
    }
    case "patch": {
      const apply = (t: Tweet) => (t.id === action.id ? { ...t, ...action.patch } : t);
      return { ...state, items: mapTweets(state.items, apply), pending: mapTweets(state.pending, apply) };
    }
    case "replace": {
      const apply = (t: Tweet) => (t.id === action.tweet.id ? { ...action.tweet, quote_of: action.tweet.quote_of ?? t.quote_of } : t);
      return { ...state, items: mapTweets(state.items, apply), pending: mapTweets(state.pending, apply) };
    }
  }
}

/** The counters after a like/unlike or retweet/unretweet, for an optimistic update. */
export function toggled(tweet: Tweet, kind: "like" | "retweet", on: boolean): Partial<Tweet> {
  if (kind === "like") {
    if (tweet.liked === on) return {};
    return { liked: on, like_count: Math.max(0, tweet.like_count + (on ? 1 : -1)) };
  }
  if (tweet.retweeted === on) return {};
  return { retweeted: on, retweet_count: Math.max(0, tweet.retweet_count + (on ? 1 : -1)) };
}

/** The fields a rollback restores: the tweet's values before ``patch`` was applied. */
export function inverse(tweet: Tweet, patch: Partial<Tweet>): Partial<Tweet> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(patch) as (keyof Tweet)[]) out[key] = tweet[key];
  return out as Partial<Tweet>;
}
