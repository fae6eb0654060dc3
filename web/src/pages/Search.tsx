import { useCallback, useState } from "preact/hooks";
import { Entries, useTimeline } from "../components/TweetList";
import { UserList } from "../components/UserList";
import { useApp } from "../context";
import type { Page } from "../lib/cursor";
import { searchHref } from "../lib/route";
import type { Entry, User } from "../lib/types";

interface SearchProps {
  q: string;
  type: "tweets" | "users";
  sort: "top" | "latest";
}

function TweetResults({ q, sort }: { q: string; sort: "top" | "latest" }) {
  const { api } = useApp();
  const load = useCallback((query: Record<string, string>) => api.get<Page<Entry>>("/search", { ...query, q, type: "tweets", sort }), [api, q, sort]);
  const timeline = useTimeline(load);
  return <Entries timeline={timeline} label="Matching tweets" empty="No tweets match." />;
}

function UserResults({ q }: { q: string }) {
  const { api } = useApp();
  const load = useCallback((query: Record<string, string>) => api.get<Page<User>>("/search", { ...query, q, type: "users" }), [api, q]);
  return <UserList load={load} label="Matching people" empty="Nobody matches." />;
}

export function SearchPage({ q, type, sort }: SearchProps) {
  const [text, setText] = useState(q);
  const submit = (event: Event) => {
    event.preventDefault();
    location.hash = searchHref(text.trim(), type, sort);
  };
  const tab = (t: "tweets" | "users", s: "top" | "latest", label: string) => (
    <a href={searchHref(q, t, s)} aria-current={type === t && (t === "users" || sort === s) ? "page" : undefined}>
      {label}
    </a>
  );
  return (
    <section class="screen" aria-labelledby="search-title">
      <h1 id="search-title">Search</h1>
      <form role="search" class="search-form" onSubmit={submit}>
        <label for="search-q" class="visually-hidden">
          Search Warbler
        </label>
        <input
          id="search-q"
          type="search"
          placeholder="Search tweets and people"
          aria-describedby="search-help"
          value={text}
          onInput={(e) => setText((e.target as HTMLInputElement).value)}
        />
        <button type="submit" class="primary">
          Search
        </button>
      </form>
      <details id="search-help" class="help-box">
        <summary>Search operators</summary>
        <dl>
          <dt><code>word other</code></dt>
          <dd>tweets with both words</dd>
          <dt><code>"exact phrase"</code></dt>
          <dd>the words together, in order</dd>
          <dt><code>#tag</code></dt>
          <dd>tweets with this hashtag</dd>
          <dt><code>from:handle</code></dt>
          <dd>tweets by this account</dd>
          <dt><code>-word</code>, <code>-"phrase"</code>, <code>-#tag</code>, <code>-from:handle</code></dt>
          <dd>leave these out</dd>
          <dt><code>since:2026-01-31</code>, <code>until:2026-02-28</code></dt>
          <dd>posted on or after / before a day (UTC)</dd>
        </dl>
      </details>
      {q && (
        <>
          <nav class="tabs" aria-label="Result kinds">
            {tab("tweets", "top", "Top")}
            {tab("tweets", "latest", "Latest")}
            {tab("users", sort, "People")}
          </nav>
          {type === "users" ? <UserResults q={q} /> : <TweetResults q={q} sort={sort} />}
        </>
      )}
    </section>
  );
}
