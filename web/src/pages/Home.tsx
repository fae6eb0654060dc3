import { useCallback } from "preact/hooks";
import { Compose } from "../components/Compose";
import { Entries, useTimeline } from "../components/TweetList";
import { useApp } from "../context";
import type { Page } from "../lib/cursor";
import type { Entry } from "../lib/types";

export function HomePage() {
  const { api } = useApp();
  const load = useCallback((query: Record<string, string>) => api.get<Page<Entry>>("/timelines/home", query), [api]);
  const timeline = useTimeline(load, { live: true });
  const posted = (tweet: Entry) => timeline.dispatch({ type: "posted", entry: tweet });
  return (
    <section class="screen" aria-labelledby="home-title">
      <h1 id="home-title">Home</h1>
      <Compose draftKey="home" label="What's happening?" onPosted={posted} />
      <Entries timeline={timeline} label="Home timeline" empty="Your timeline is empty: follow someone, or say something." onPosted={posted} />
    </section>
  );
}
