import { describe, expect, it } from "vitest";
import { codePoints, countTweet, hashtags, MAX_TWEET_CHARS, mentions, segments } from "../src/lib/text";
import fixture from "./text-cases.json";

interface Case {
  text?: string;
  prefix?: string;
  repeat?: string;
  times?: number;
  count?: number;
  hashtags?: string[];
  mentions?: string[];
  blank?: boolean;
  over?: boolean;
  long_link?: boolean;
  urls?: string[];
}

const textOf = (c: Case) => c.text ?? (c.prefix ?? "") + (c.repeat ?? "").repeat(c.times ?? 0);

describe("the character counter counts like the server (warbler/text.py, warbler/links/extract.py)", () => {
  for (const c of fixture.cases as Case[]) {
    const text = textOf(c);
    const name = JSON.stringify(text.length > 40 ? `${text.slice(0, 12)}…×${c.times}` : text);
    it(`${name}`, () => {
      const count = countTweet(text);
      if (c.blank) {
        expect(count.blank).toBe(true);
        return;
      }
      if (c.long_link) {
        expect(count.longLink).toBe(true);
        return;
      }
      if (c.over) {
        expect(count.over).toBe(true);
        expect(count.remaining).toBeLessThan(0);
        return;
      }
      expect(count.used).toBe(c.count);
      expect(count.over).toBe(false);
      expect(count.blank).toBe(false);
      expect(count.longLink).toBe(false);
      expect(segments(text.normalize("NFC")).flatMap((s) => (s.kind === "url" ? [s.text] : []))).toEqual(c.urls ?? []);
      expect(count.remaining).toBe(MAX_TWEET_CHARS - (c.count ?? 0));
      expect(hashtags(text)).toEqual(c.hashtags);
      expect(mentions(text)).toEqual(c.mentions);
    });
  }
});

describe("counting", () => {
  it("counts code points, not UTF-16 units", () => {
    expect("🐦".length).toBe(2);
    expect(codePoints("🐦")).toBe(1);
  });

  it("normalises to NFC before counting: a decomposed accent is one character", () => {
    expect("e\u0301".length).toBe(2);
    expect(countTweet("e\u0301").used).toBe(1);
  });
});

describe("segments", () => {
  it("joined, the segments are the text", () => {
    const text = "hi @bob, see https://x.io/#a and #fun!";
    expect(segments(text).map((s) => s.text).join("")).toBe(text);
  });

  it("marks links, hashtags and mentions in order", () => {
    expect(segments("@a #b https://c.io e").map((s) => s.kind)).toEqual(["mention", "text", "hashtag", "text", "url", "text"]);
  });

  it("gives a bare domain the scheme the server stores it with", () => {
    expect(segments("see example.com").find((s) => s.kind === "url")).toEqual({ kind: "url", text: "example.com", href: "http://example.com" });
  });

  it("does not find tags inside links", () => {
    expect(segments("https://x.io/#frag").map((s) => s.kind)).toEqual(["url"]);
  });
});
