import type { MediaEntity } from "../lib/types";

/** A tweet's media: images (the preview, lazily loaded, linking to the original) with their alt
 * text, or one GIF or video. An image without a description is still announced as an image. */
export function MediaGrid({ media }: { media: MediaEntity[] }) {
  const shown = media.filter((m) => m.url);
  if (shown.length === 0) return null;
  const label = shown.length === 1 ? "Tweet media" : `Tweet media, ${shown.length} images`;
  return (
    <ul class={`media-grid n${shown.length}`} aria-label={label}>
      {shown.map((m) => (
        <li key={m.id}>
          {m.type === "video" ? (
            <video
              src={m.url ?? undefined}
              controls
              preload="metadata"
              width={m.width ?? undefined}
              height={m.height ?? undefined}
              aria-label={m.alt_text || "Video"}
            />
          ) : (
            <a href={m.url ?? undefined} target="_blank" rel="noopener noreferrer" title={m.alt_text || undefined}>
              <img
                // A GIF's preview is a still: the original is what moves.
                src={(m.type === "gif" ? m.url : m.preview_url ?? m.url) ?? undefined}
                alt={m.alt_text || "Image"}
                loading="lazy"
                decoding="async"
                width={m.width ?? undefined}
                height={m.height ?? undefined}
              />
            </a>
          )}
        </li>
      ))}
    </ul>
  );
}
