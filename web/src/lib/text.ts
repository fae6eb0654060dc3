// Tweet text rules, mirrored from the server's warbler/text.py (the one home of those rules):
// the text is NFC-normalised, then counted in code points (Python's len), at most 280; hashtags
// and mentions are found outside links. Python's Unicode \w is [\p{L}\p{N}_], \d is \p{Nd}, so
// the hashtag's "at least one letter" class [^\W\d_] is [\p{L}\p{Nl}\p{No}].

export const MAX_TWEET_CHARS = 280;

const URL_RE = /https?:\/\/\S+/giu;
const HASHTAG_RE = /(?<![\p{L}\p{N}_&#])#([\p{L}\p{N}_]*[\p{L}\p{Nl}\p{No}][\p{L}\p{N}_]*)/gu;
const MENTION_RE = /(?<![\p{L}\p{N}_@])@([A-Za-z0-9_]{1,15})(?![A-Za-z0-9_@])/gu;

export type Segment =
  | { kind: "text"; text: string }
  | { kind: "url"; text: string }
  | { kind: "hashtag"; text: string; tag: string }
  | { kind: "mention"; text: string; handle: string };

export interface Count {
  /** Characters as the server counts them. */
  used: number;
  remaining: number;
  /** What the server would refuse: blank, or over the limit. */
  blank: boolean;
  over: boolean;
}

/** Code points, like Python's len(): an emoji outside the BMP is one character, not two. */
export function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

export function countTweet(raw: string): Count {
  const text = raw.normalize("NFC");
  const used = codePoints(text);
  return {
    used,
    remaining: MAX_TWEET_CHARS - used,
    blank: text.trim() === "",
    over: used > MAX_TWEET_CHARS,
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
  for (const m of text.matchAll(URL_RE)) {
    // The server blanks links out before looking for tags, so a run ends where a link starts.
    out.push(...entitiesIn(text.slice(at, m.index)));
    out.push({ kind: "url", text: m[0] });
    at = m.index + m[0].length;
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
