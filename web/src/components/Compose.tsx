import { useEffect, useRef, useState } from "preact/hooks";
import { useApp } from "../context";
import { describeError } from "../lib/api";
import { loadDraft, saveDraft } from "../lib/session";
import { countTweet, MAX_URL_LENGTH, segments } from "../lib/text";
import type { Tweet } from "../lib/types";
import { AttachButton, AttachmentList, useAttachments } from "./MediaAttach";

interface ComposeProps {
  /** Where the draft is kept while you type (survives a reload and an expired token). */
  draftKey: string;
  label: string;
  replyTo?: Tweet;
  quoteOf?: Tweet;
  autoFocus?: boolean;
  onPosted?: (tweet: Tweet) => void;
}

function newKey(): string {
  return globalThis.crypto?.randomUUID?.() ?? `${Date.now()}-${Math.random().toString(36).slice(2)}`;
}

/** The highlighted copy drawn behind the textarea: same text, tags and mentions tinted. */
function Backdrop({ text }: { text: string }) {
  return (
    <div class="compose-backdrop" aria-hidden="true">
      {segments(text).map((s, i) => (s.kind === "text" ? s.text : <mark key={i} class={`hl-${s.kind}`}>{s.text}</mark>))}
      {/* a trailing newline needs a character after it to take up its line */}
      {"\u200b"}
    </div>
  );
}

export function Compose({ draftKey, label, replyTo, quoteOf, autoFocus, onPosted }: ComposeProps) {
  const { api, toast } = useApp();
  const [text, setText] = useState(() => loadDraft(draftKey));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const idempotencyKey = useRef(newKey());
  const area = useRef<HTMLTextAreaElement>(null);
  const count = countTweet(text);
  // A different text or different media is a different post.
  const attachments = useAttachments(() => (idempotencyKey.current = newKey()));
  // The server takes a tweet of media alone (blank text), but not one with media still on its way.
  const postable =
    !busy && !count.over && !count.longLink && (!count.blank || attachments.ready.length > 0) && !attachments.busy && !attachments.failed;
  const counterId = `${draftKey}-count`;
  const errorId = `${draftKey}-error`;

  useEffect(() => {
    if (autoFocus) area.current?.focus();
  }, [autoFocus]);

  const change = (value: string) => {
    setText(value);
    saveDraft(draftKey, value);
    idempotencyKey.current = newKey();
    setError(null);
  };

  const submit = async (event?: Event) => {
    event?.preventDefault();
    if (!postable) return;
    setBusy(true);
    setError(null);
    try {
      const media = attachments.ready;
      // Alt text typed while the file uploaded is set now, before the tweet makes it final.
      await Promise.all(
        media.filter((a) => a.alt.trim()).map((a) => api.request("PATCH", `/media/${a.mediaId}`, { body: { alt_text: a.alt.trim() } })),
      );
      const tweet = await api.request<Tweet>("POST", "/tweets", {
        body: {
          text,
          reply_to_id: replyTo?.id,
          quote_of_id: quoteOf?.id,
          media_ids: media.length ? media.map((a) => a.mediaId) : undefined,
        },
        // A retry after a lost response returns the first post instead of making a second.
        headers: { "Idempotency-Key": idempotencyKey.current },
      });
      change("");
      attachments.clear();
      toast(replyTo ? "Reply posted." : quoteOf ? "Quote posted." : "Tweet posted.");
      onPosted?.(tweet);
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };

  const remainingClass = count.over ? "over" : count.remaining <= 20 ? "warn" : "";
  return (
    <form
      class="compose"
      onSubmit={submit}
      aria-label={label}
      onDragOver={(e) => {
        if (e.dataTransfer?.types.includes("Files")) e.preventDefault(); // lets the drop happen
      }}
      onDrop={(e) => {
        const files = [...(e.dataTransfer?.files ?? [])];
        if (files.length === 0) return;
        e.preventDefault();
        attachments.add(files);
      }}
    >
      {replyTo && (
        <p class="muted replying">
          Replying to <span>@{replyTo.author.handle}</span>
        </p>
      )}
      <div class="compose-field">
        <Backdrop text={text} />
        <textarea
          ref={area}
          aria-label={label}
          aria-describedby={`${counterId}${error ? ` ${errorId}` : ""}`}
          aria-invalid={count.over || count.longLink}
          placeholder={replyTo ? "Post your reply" : "What's happening?"}
          value={text}
          rows={Math.min(12, Math.max(3, text.split("\n").length + 1))}
          onInput={(e) => change((e.target as HTMLTextAreaElement).value)}
          onKeyDown={(e) => {
            if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) submit(e);
          }}
          onPaste={(e) => {
            // A pasted screenshot is attached like a picked file; pasted text stays text.
            const files = [...(e.clipboardData?.files ?? [])];
            if (files.length === 0) return;
            e.preventDefault();
            attachments.add(files);
          }}
        />
      </div>
      <AttachmentList attachments={attachments} />
      {quoteOf && (
        <blockquote class="quoted">
          <strong>{quoteOf.author.display_name}</strong> <span class="muted">@{quoteOf.author.handle}</span>
          <p>{quoteOf.text}</p>
        </blockquote>
      )}
      {count.longLink && (
        <p class="error" role="alert">
          A link is longer than {MAX_URL_LENGTH.toLocaleString("en")} characters: shorten it to post.
        </p>
      )}
      {error && (
        <p id={errorId} class="error" role="alert">
          {error}
        </p>
      )}
      <div class="compose-bar">
        <AttachButton attachments={attachments} id={`${draftKey}-media`} />
        <span id={counterId} class={`counter ${remainingClass}`}>
          {count.remaining}
          <span class="visually-hidden"> characters left</span>
        </span>
        <span class="visually-hidden" aria-live="polite">
          {count.over ? `${-count.remaining} characters over the limit` : count.remaining <= 20 ? `${count.remaining} characters left` : ""}
        </span>
        <button type="submit" class="primary" disabled={!postable}>
          {busy ? "Posting…" : replyTo ? "Reply" : quoteOf ? "Quote" : "Post"}
        </button>
      </div>
    </form>
  );
}
