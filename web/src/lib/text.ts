// Tweet text rules, mirrored from the server's warbler/text.py and warbler/links/extract.py (the
// one home of those rules): the text is NFC-normalised; links are found by twitter-text (the
// server runs its Python port, twitter-text-parser; web/test/text-cases.json holds both to the
// same answers) and each counts as 23 characters; everything else counts one per code point
// (Python's len), at most 280; hashtags and mentions are found outside links. Python's Unicode \w
// is [\p{L}\p{N}_], \d is \p{Nd}, so the hashtag's "at least one letter" class [^\W\d_] is
// [\p{L}\p{Nl}\p{No}].

import extractUrlsWithIndices from "twitter-text/dist/esm/extractUrlsWithIndices";

export const MAX_TWEET_CHARS = 280;
export const TRANSFORMED_URL_LENGTH = 23;
export const MAX_URL_LENGTH = 2048;
const HASHTAG_RE = /(?<![\p{L}\p{N}_&#])#([\p{L}\p{N}_]*[\p{L}\p{Nl}\p{No}][\p{L}\p{N}_]*)/gu;
const MENTION_RE = /(?<![\p{L}\p{N}_@])@([A-Za-z0-9_]{1,15})(?![A-Za-z0-9_@])/gu;

export type Segment =
  | { kind: "text"; text: string }
  /** ``href``: the link with a scheme (a bare ``example.com`` is ``http://example.com``). */
  | { kind: "url"; text: string; href: string }
  | { kind: "hashtag"; text: string; tag: string }
  | { kind: "mention"; text: string; handle: string };

export interface Count {
  /** Characters as the server counts them. */
  used: number;
  remaining: number;
  /** What the server would refuse: blank, over the limit, or a link over 2,048 characters. */
  blank: boolean;
  over: boolean;
  longLink: boolean;
}

interface UrlSpan {
  start: number; // UTF-16 offsets, for slicing this string
  end: number;
  text: string;
  href: string;
}

/** Where the server sees links (warbler.links.extract.url_spans), whatever their length. */
export function urlSpans(text: string): UrlSpan[] {
  return extractUrlsWithIndices(text).map(({ url, indices: [start, end] }) => ({
    start,
    end,
    text: url,
    href: url.includes("://") ? url : `http://${url}`,
  }));
}

/** Code points, like Python's len(): an emoji outside the BMP is one character, not two. */
export function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** The tweet's length as the server weighs it: each link 23, everything else one per code point. */
export function countTweet(raw: string): Count {
  const text = raw.normalize("NFC");
  const urls = urlSpans(text);
  const linked = urls.reduce((n, u) => n + codePoints(u.text), 0);
  const used = codePoints(text) - linked + TRANSFORMED_URL_LENGTH * urls.length;
  return {
    used,
    remaining: MAX_TWEET_CHARS - used,
    blank: text.trim() === "",
    over: used > MAX_TWEET_CHARS,
    longLink: urls.some((u) => codePoints(u.href) > MAX_URL_LENGTH),
  };
}

function entitiesIn(text: string): Segment[] {
  type Found = { index: number; seg: Segment };
  const found: Found[] = [];
  for (const m of text.matchAll(HASHTAG_RE)) {
    found.push({ index: m.index, seg: { kind: "hashtag", text: m[0], tag: m[1].toLowerCase() } });
  }
  for (const m of text.matchAll(MENTION_RE)) {
    found.push({ index: m.index, seg: { kind: "mention", text: m[0], handle: m[1] } });
  }
  found.sort((a, b) => a.index - b.index);
  const out: Segment[] = [];
  let at = 0;
  for (const { index, seg } of found) {
    if (index < at) continue; // "#a@b": the tag already took these characters
    if (index > at) out.push({ kind: "text", text: text.slice(at, index) });
    out.push(seg);
    at = index + seg.text.length;
  }
  if (at < text.length) out.push({ kind: "text", text: text.slice(at) });
  return out;
}

/** The text cut into plain runs, links, hashtags and mentions, in order; joined they are the text. */
export function segments(text: string): Segment[] {
  const out: Segment[] = [];
  let at = 0;
  for (const url of urlSpans(text)) {
    // The server blanks links out before looking for tags, so a run ends where a link starts.
    out.push(...entitiesIn(text.slice(at, url.start)));
    out.push({ kind: "url", text: url.text, href: url.href });
    at = url.end;
  }
  out.push(...entitiesIn(text.slice(at)));
  return out;
}

/** The hashtags (lower-case, first occurrence order, unique) the server will record. */
export function hashtags(raw: string): string[] {
  const tags = segments(raw.normalize("NFC")).flatMap((s) => (s.kind === "hashtag" ? [s.tag] : []));
  return [...new Set(tags)];
}

/** The mentioned handles, unique, in order. */
export function mentions(raw: string): string[] {
  const handles = segments(raw.normalize("NFC")).flatMap((s) => (s.kind === "mention" ? [s.handle] : []));
  return [...new Set(handles)];
}
