// Cursor paging over the API's {items, next_cursor} lists: one state per list, pages appended
// in order, an item seen twice (a list shifting under us) kept once, the end known when the
// server stops giving a cursor.

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export interface Paged<T> {
  items: T[];
  cursor: string | null;
  done: boolean;
  /** No page has arrived yet. */
  fresh: boolean;
}

export function emptyPaged<T>(): Paged<T> {
  return { items: [], cursor: null, done: false, fresh: true };
}

/** The query for the next page, or null when the list is complete. */
export function nextPageQuery(state: Paged<unknown>, limit = 20): Record<string, string> | null {
  if (state.done) return null;
  const query: Record<string, string> = { limit: String(limit) };
  if (!state.fresh) {
    if (!state.cursor) return null;
    query.cursor = state.cursor;
  }
  return query;
}

export function appendPage<T extends { id: string }>(state: Paged<T>, page: Page<T>): Paged<T> {
  const seen = new Set(state.items.map((item) => item.id));
  const added = page.items.filter((item) => !seen.has(item.id) && (seen.add(item.id), true));
  return {
    items: [...state.items, ...added],
    cursor: page.next_cursor,
    done: !page.next_cursor,
    fresh: false,
  };
}
