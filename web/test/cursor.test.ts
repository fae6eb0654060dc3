import { describe, expect, it } from "vitest";
import { appendPage, emptyPaged, nextPageQuery } from "../src/lib/cursor";

type Item = { id: string };
const items = (...ids: string[]): Item[] => ids.map((id) => ({ id }));

describe("cursor paging", () => {
  it("asks for the first page without a cursor", () => {
    expect(nextPageQuery(emptyPaged(), 20)).toEqual({ limit: "20" });
  });

  it("passes the server's next_cursor back unchanged for the next page", () => {
    const state = appendPage(emptyPaged<Item>(), { items: items("3", "2"), next_cursor: "opaque==" });
    expect(nextPageQuery(state, 2)).toEqual({ limit: "2", cursor: "opaque==" });
  });

  it("appends pages in order and keeps an item seen twice once", () => {
    let state = appendPage(emptyPaged<Item>(), { items: items("5", "4"), next_cursor: "c1" });
    state = appendPage(state, { items: items("4", "3"), next_cursor: "c2" });
    expect(state.items.map((i) => i.id)).toEqual(["5", "4", "3"]);
    expect(state.cursor).toBe("c2");
  });

  it("is done when the server gives no cursor, and asks for nothing more", () => {
    const state = appendPage(emptyPaged<Item>(), { items: items("1"), next_cursor: null });
    expect(state.done).toBe(true);
    expect(nextPageQuery(state)).toBeNull();
  });

  it("an empty first page ends the list", () => {
    const state = appendPage(emptyPaged<Item>(), { items: [], next_cursor: null });
    expect(state.fresh).toBe(false);
    expect(state.items).toEqual([]);
    expect(nextPageQuery(state)).toBeNull();
  });
});
