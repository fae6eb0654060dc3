import type { Paged } from "../lib/cursor";

/** Under a paged list: its empty text, its error, "Loading…", or a "Load more" button. */
export function ListFooter({ state, loading, error, empty, onMore }: { state: Paged<unknown>; loading: boolean; error: string | null; empty: string; onMore: () => void }) {
  return (
    <>
      {!state.fresh && state.items.length === 0 && !loading && <p class="muted empty">{empty}</p>}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {loading && <p class="muted loading">Loading…</p>}
      {!state.done && !state.fresh && !loading && !error && (
        <button type="button" class="more" onClick={onMore}>
          Load more
        </button>
      )}
    </>
  );
}
