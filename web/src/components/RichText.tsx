import { profileHref, searchHref } from "../lib/route";
import { segments } from "../lib/text";
import type { UrlEntity } from "../lib/types";

/** Tweet text with hashtags, mentions and links as links. A link the server recorded (``urls``)
 * goes through its short link and shows its display form; one it did not (a preview of your
 * own draft) links straight to its target. */
export function RichText({ text, urls = [] }: { text: string; urls?: UrlEntity[] }) {
  // Matched by target, in order: both sides find the same links (web/test/text-cases.json).
  const recorded = new Map<string, UrlEntity[]>();
  for (const u of urls) recorded.set(u.expanded_url, [...(recorded.get(u.expanded_url) ?? []), u]);
  return (
    <>
      {segments(text).map((s, i) => {
        switch (s.kind) {
          case "hashtag":
            return (
              <a key={i} class="entity" href={searchHref(`#${s.tag}`)}>
                {s.text}
              </a>
            );
          case "mention":
            return (
              <a key={i} class="entity" href={profileHref(s.handle)}>
                {s.text}
              </a>
            );
          case "url": {
            const entity = recorded.get(s.href)?.shift();
            return (
              <a
                key={i}
                class="entity"
                href={entity?.url ?? s.href}
                title={s.href}
                target="_blank"
                rel="noopener noreferrer nofollow ugc"
              >
                {entity?.display_url ?? s.text}
              </a>
            );
          }
          default:
            return s.text;
        }
      })}
    </>
  );
}
