import { describe, expect, it } from "vitest";
import { initialTimeline, inverse, timelineReducer, toggled, type TimelineAction, type TimelineState } from "../src/lib/timeline";
import type { Entry, Retweet, Tweet } from "../src/lib/types";

const author = { id: "9", handle: "b", display_name: "B" };

function tweet(id: string, extra: Partial<Tweet> = {}): Tweet {
  return {
    id,
    text: `tweet ${id}`,
    created_at: "2026-12-01T10:00:00Z",
    author,
    hashtags: [],
    mentions: [],
    like_count: 0,
    retweet_count: 0,
    reply_count: 0,
    quote_count: 0,
    reply_to_id: null,
    conversation_id: id,
    quote_of_id: null,
    liked: false,
    retweeted: false,
    ...extra,
  };
}

function retweet(id: string, of: Tweet): Retweet {
  return { id, created_at: of.created_at, author: of.author, retweeted_by: { id: "7", handle: "c", display_name: "C" }, retweet_of: of };
}

const run = (actions: TimelineAction[], state: TimelineState = initialTimeline()) => actions.reduce(timelineReducer, state);
const ids = (entries: Entry[]) => entries.map((e) => e.id);
const loaded = (...entries: Entry[]) => run([{ type: "page", page: { items: entries, next_cursor: "next" } }]);

describe("the live-update reducer", () => {
  it("holds a pushed tweet behind the pill instead of inserting it", () => {
    const state = run([{ type: "pushed", entry: tweet("3") }], loaded(tweet("2"), tweet("1")));
    expect(ids(state.items)).toEqual(["2", "1"]);
    expect(ids(state.pending)).toEqual(["3"]);
  });

  it("counts each pushed tweet once, newest first, even when pushed twice", () => {
    const state = run([
      { type: "pushed", entry: tweet("3") },
      { type: "pushed", entry: tweet("4") },
      { type: "pushed", entry: tweet("3") },
    ], loaded(tweet("2")));
    expect(ids(state.pending)).toEqual(["4", "3"]);
  });

  it("ignores a push of a tweet already on screen", () => {
    const state = run([{ type: "pushed", entry: tweet("2") }], loaded(tweet("2")));
    expect(state.pending).toEqual([]);
  });

  it("opening the pill puts the pending tweets on top and empties it", () => {
    const state = run([{ type: "pushed", entry: tweet("3") }, { type: "pushed", entry: tweet("4") }, { type: "show_pending" }], loaded(tweet("2")));
    expect(ids(state.items)).toEqual(["4", "3", "2"]);
    expect(state.pending).toEqual([]);
  });

  it("a delete removes the tweet, its retweets and pending copies, and strips quotes of it", () => {
    const gone = tweet("5");
    const state = run(
      [
        { type: "pushed", entry: retweet("8", gone) },
        { type: "deleted", id: "5" },
      ],
      loaded(gone, retweet("6", gone), tweet("7", { quote_of_id: "5", quote_of: gone }), tweet("1")),
    );
    expect(ids(state.items)).toEqual(["7", "1"]);
    expect((state.items[0] as Tweet).quote_of).toBeNull();
    expect(state.pending).toEqual([]);
  });

  it("a deleted tweet does not come back in a late page or push", () => {
    const state = run(
      [
        { type: "deleted", id: "5" },
        { type: "pushed", entry: tweet("5") },
        { type: "page", page: { items: [tweet("5"), tweet("4")], next_cursor: null } },
      ],
      loaded(tweet("6")),
    );
    expect(ids(state.items)).toEqual(["6", "4"]);
    expect(state.pending).toEqual([]);
  });

  it("a page that brings a pending tweet takes it off the pill", () => {
    const state = run([{ type: "pushed", entry: tweet("3") }, { type: "page", page: { items: [tweet("3")], next_cursor: null } }], loaded(tweet("4")));
    expect(state.pending).toEqual([]);
    expect(ids(state.items)).toEqual(["4", "3"]);
  });

  it("the caller's own post shows at once, not behind the pill", () => {
    const state = run([{ type: "pushed", entry: tweet("3") }, { type: "posted", entry: tweet("3") }], loaded(tweet("2")));
    expect(ids(state.items)).toEqual(["3", "2"]);
    expect(state.pending).toEqual([]);
  });

  it("an optimistic like patches every copy (a retweet's original too) and the rollback restores it", () => {
    const original = tweet("5", { like_count: 2 });
    const start = loaded(original, retweet("6", original));
    const patch = toggled(original, "like", true);
    const liked = run([{ type: "patch", id: "5", patch }], start);
    expect((liked.items[0] as Tweet).liked).toBe(true);
    expect((liked.items[0] as Tweet).like_count).toBe(3);
    expect((liked.items[1] as Retweet).retweet_of.like_count).toBe(3);

    const rolledBack = run([{ type: "patch", id: "5", patch: inverse(original, patch) }], liked);
    expect((rolledBack.items[0] as Tweet).liked).toBe(false);
    expect((rolledBack.items[0] as Tweet).like_count).toBe(2);
    expect((rolledBack.items[1] as Retweet).retweet_of.like_count).toBe(2);
  });

  it("toggling to the state a tweet is already in changes nothing", () => {
    expect(toggled(tweet("1", { liked: true, like_count: 1 }), "like", true)).toEqual({});
    expect(toggled(tweet("1", { retweeted: false }), "retweet", false)).toEqual({});
    expect(toggled(tweet("1", { retweet_count: 0 }), "retweet", true)).toEqual({ retweeted: true, retweet_count: 1 });
  });

  it("the server's copy replaces the optimistic one and keeps the embedded quote", () => {
    const quoted = tweet("1");
    const start = loaded(tweet("2", { quote_of_id: "1", quote_of: quoted }));
    const fromServer = tweet("2", { quote_of_id: "1", like_count: 7, liked: true });
    const state = run([{ type: "replace", tweet: fromServer }], start);
    expect((state.items[0] as Tweet).like_count).toBe(7);
    expect((state.items[0] as Tweet).quote_of).toEqual(quoted);
  });
});
