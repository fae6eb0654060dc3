import { profileHref, searchHref } from "../lib/route";
import { segments } from "../lib/text";

/** Tweet text with hashtags, mentions and links as links. */
export function RichText({ text }: { text: string }) {
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
          case "url":
            return (
              <a key={i} class="entity" href={s.text} target="_blank" rel="noopener noreferrer nofollow ugc">
                {s.text}
              </a>
            );
          default:
            return s.text;
        }
      })}
    </>
  );
}
