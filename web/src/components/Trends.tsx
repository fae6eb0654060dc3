import { useEffect, useState } from "preact/hooks";
import { useApp } from "../context";
import { searchHref } from "../lib/route";
import type { Trend } from "../lib/types";

function TrendList({ kind, title }: { kind: "hashtags" | "topics"; title: string }) {
  const { api } = useApp();
  const [items, setItems] = useState<Trend[] | null>(null);
  useEffect(() => {
    let live = true;
    const load = () =>
      api.get<{ items: Trend[] }>("/trends", { type: kind, limit: 8 }).then(
        (body) => live && setItems(body.items),
        () => live && setItems((old) => old ?? []),
      );
    load();
    const timer = setInterval(load, 60_000); // the ranking is recomputed every minute
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [api, kind]);
  return (
    <section class="card trends" aria-labelledby={`trends-${kind}`}>
      <h2 id={`trends-${kind}`}>{title}</h2>
      {items === null ? (
        <p class="muted">Loading…</p>
      ) : items.length === 0 ? (
        <p class="muted">Nothing is trending yet.</p>
      ) : (
        <ol>
          {items.map((t) => (
            <li key={t.name}>
              <a href={searchHref(kind === "hashtags" ? `#${t.name.replace(/^#/, "")}` : t.name)}>
                {kind === "hashtags" ? `#${t.name.replace(/^#/, "")}` : t.name}
              </a>
              <span class="muted"> · {t.accounts} {t.accounts === 1 ? "account" : "accounts"}</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

export function Trends() {
  return (
    <>
      <TrendList kind="hashtags" title="Trending hashtags" />
      <TrendList kind="topics" title="Trending topics" />
    </>
  );
}
