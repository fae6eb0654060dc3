import { useEffect, useRef, useState } from "preact/hooks";
import { useApp } from "../context";
import { describeError } from "../lib/api";
import { ACCEPT, attachProblem, kindOf, MAX_ALT_TEXT, MAX_IMAGES, type MediaKind, type Upload, uploadFile, waitUntilProcessed } from "../lib/media";
import type { MediaUpload } from "../lib/types";

export interface Attachment {
  key: string;
  name: string;
  kind: MediaKind;
  /** A blob: URL of the picked file, for the preview (revoked on removal). */
  preview: string;
  stage: "uploading" | "processing" | "ready" | "failed";
  /** 0..1 of the bytes sent to S3. */
  progress: number;
  mediaId?: string;
  error?: string;
  alt: string;
}

let counter = 0;

/** The attachments of one compose box: pick, upload with progress, wait for processing, remove. */
export function useAttachments(onChange: () => void) {
  const { api } = useApp();
  const [items, setItems] = useState<Attachment[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  const uploads = useRef(new Map<string, Upload>());
  const removed = useRef(new Set<string>());
  const current = useRef(items);
  current.current = items;

  const update = (key: string, patch: Partial<Attachment>) =>
    setItems((list) => list.map((a) => (a.key === key ? { ...a, ...patch } : a)));

  useEffect(
    () => () => {
      for (const upload of uploads.current.values()) upload.abort();
      for (const a of current.current) URL.revokeObjectURL(a.preview);
    },
    [],
  );

  const start = async (key: string, file: File) => {
    try {
      const created = await api.request<MediaUpload>("POST", "/media", { body: { content_type: file.type, size_bytes: file.size } });
      if (removed.current.has(key)) return;
      update(key, { mediaId: created.id });
      const upload = uploadFile(created.upload, file, (progress) => update(key, { progress }));
      uploads.current.set(key, upload);
      await upload.done;
      uploads.current.delete(key);
      update(key, { stage: "processing" });
      const item = await waitUntilProcessed(api, created.id, { cancelled: () => removed.current.has(key) });
      if (item.state === "ready") update(key, { stage: "ready" });
      else update(key, { stage: "failed", error: `Warbler could not use ${file.name}: ${item.reason ?? "processing failed"}.` });
    } catch (error) {
      uploads.current.delete(key);
      if (!removed.current.has(key)) update(key, { stage: "failed", error: `${file.name}: ${describeError(error)}` });
    }
  };

  const add = (files: File[]) => {
    if (files.length === 0) return;
    const problemNow = attachProblem(
      current.current.map((a) => a.kind),
      files.map((f) => ({ name: f.name, type: f.type })),
    );
    setProblem(problemNow);
    if (problemNow) return;
    const added = files.map((file) => ({
      key: `m${++counter}`,
      name: file.name,
      kind: kindOf(file.type) as MediaKind,
      preview: URL.createObjectURL(file),
      stage: "uploading" as const,
      progress: 0,
      alt: "",
    }));
    setItems((list) => [...list, ...added]);
    added.forEach((a, i) => void start(a.key, files[i]));
    onChange();
  };

  const remove = (key: string) => {
    removed.current.add(key);
    uploads.current.get(key)?.abort();
    const gone = current.current.find((a) => a.key === key);
    if (gone) URL.revokeObjectURL(gone.preview);
    setItems((list) => list.filter((a) => a.key !== key));
    setProblem(null);
    onChange();
  };

  const clear = () => {
    for (const a of current.current) URL.revokeObjectURL(a.preview);
    setItems([]);
    setProblem(null);
  };

  return {
    items,
    problem,
    add,
    remove,
    clear,
    setAlt: (key: string, alt: string) => update(key, { alt }),
    busy: items.some((a) => a.stage === "uploading" || a.stage === "processing"),
    failed: items.some((a) => a.stage === "failed"),
    ready: items.filter((a) => a.stage === "ready"),
    full: items.length >= MAX_IMAGES || items.some((a) => a.kind !== "image"),
  };
}

export type Attachments = ReturnType<typeof useAttachments>;

function status(a: Attachment): string {
  switch (a.stage) {
    case "uploading":
      return `Uploading ${Math.round(a.progress * 100)}%`;
    case "processing":
      return "Processing…";
    case "ready":
      return "Ready";
    default:
      return "Failed";
  }
}

/** The file picker: a real (visually hidden) file input behind a labelled, focusable control. */
export function AttachButton({ attachments, id }: { attachments: Attachments; id: string }) {
  return (
    <label class={`action attach${attachments.full ? " disabled" : ""}`} for={id} title="Add photos, a GIF or a video">
      <svg class="icon" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false">
        <path d="M4 5h16v14H4zm2 2v8l4-4 3 3 2-2 3 3V7zm9 1a2 2 0 110 4 2 2 0 010-4z" fill="currentColor" />
      </svg>
      <input
        id={id}
        class="visually-hidden"
        type="file"
        accept={ACCEPT}
        multiple
        disabled={attachments.full}
        aria-label="Add photos or video"
        onChange={(e) => {
          const input = e.target as HTMLInputElement;
          attachments.add([...(input.files ?? [])]);
          input.value = ""; // picking the same file again is a new pick
        }}
      />
    </label>
  );
}

/** The picked files: preview, progress, alt text and a remove button each. */
export function AttachmentList({ attachments }: { attachments: Attachments }) {
  const { items, problem } = attachments;
  if (items.length === 0 && !problem) return null;
  return (
    <div class="attachments">
      {problem && (
        <p class="error" role="alert">
          {problem}
        </p>
      )}
      {items.length > 0 && (
        <ul class={`attachment-grid n${items.length}`} aria-label="Media to post">
          {items.map((a) => (
            <li key={a.key} class={`attachment ${a.stage}`} data-stage={a.stage}>
              {a.kind === "video" ? (
                <video src={a.preview} muted playsInline aria-label={`Preview of ${a.name}`} />
              ) : (
                <img src={a.preview} alt={a.alt || `Preview of ${a.name}`} />
              )}
              <button type="button" class="remove" aria-label={`Remove ${a.name}`} onClick={() => attachments.remove(a.key)}>
                ×
              </button>
              <div class="attachment-status">
                {a.stage === "uploading" && (
                  <progress max={1} value={a.progress} aria-label={`Uploading ${a.name}`} />
                )}
                <span aria-live="polite">{status(a)}</span>
              </div>
              {a.error ? (
                <p class="error" role="alert">
                  {a.error}
                </p>
              ) : (
                <input
                  type="text"
                  class="alt-text"
                  maxLength={MAX_ALT_TEXT}
                  value={a.alt}
                  placeholder="Description (alt text)"
                  aria-label={`Description of ${a.name} for people who cannot see it`}
                  onInput={(e) => attachments.setAlt(a.key, (e.target as HTMLInputElement).value)}
                />
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
