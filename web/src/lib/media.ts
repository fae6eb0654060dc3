// Media uploads, as the server runs them (warbler/media/service.py): POST /media makes a pending
// item and a presigned S3 POST for exactly this file's type and size; the browser posts the bytes
// straight to S3; the server processes them (sniff, clean, preview) and GET /media/{id} says
// ready or failed; a tweet then attaches ready items by id. A tweet carries up to 4 images, or
// one GIF, or one video (check_attachable): the client says so before uploading anything.

import { ApiError, type ApiClient } from "./api";
import type { MediaDetail, MediaUpload } from "./types";

export type MediaKind = "image" | "gif" | "video";

export const MAX_IMAGES = 4;
export const MAX_ALT_TEXT = 1000;
const KINDS: Record<string, MediaKind> = {
  "image/jpeg": "image",
  "image/png": "image",
  "image/webp": "image",
  "image/gif": "gif",
  "video/mp4": "video",
};
/** The file picker's ``accept``: the types the server takes. */
export const ACCEPT = Object.keys(KINDS).join(",");

export function kindOf(contentType: string): MediaKind | null {
  return KINDS[contentType] ?? null;
}

/** Why ``adding`` cannot join media of ``attached`` kinds, or null when the server would take all. */
export function attachProblem(attached: MediaKind[], adding: { name: string; type: string }[]): string | null {
  const unknown = adding.find((f) => kindOf(f.type) === null);
  if (unknown) return `${unknown.name} is not a file Warbler takes: use JPEG, PNG, WebP, GIF or MP4.`;
  const kinds = [...attached, ...adding.map((f) => kindOf(f.type) as MediaKind)];
  if (kinds.length > 1 && kinds.some((k) => k !== "image")) return "A GIF or a video must be the only media of a tweet.";
  if (kinds.length > MAX_IMAGES) return `A tweet carries at most ${MAX_IMAGES} images.`;
  return null;
}

/** S3's error document (<Error><Code/><Message/></Error>) as a sentence. */
export function s3ErrorMessage(status: number, body: string): string {
  const code = /<Code>([^<]*)<\/Code>/.exec(body)?.[1];
  if (code === "EntityTooLarge" || code === "EntityTooSmall") return "The file's size does not match what was declared.";
  if (code === "AccessDenied" && /expired/i.test(body)) return "The upload took too long and expired. Remove it and try again.";
  const message = /<Message>([^<]*)<\/Message>/.exec(body)?.[1];
  return message ? `The upload was refused: ${message}` : `The upload failed (${status}).`;
}

/** The part of XMLHttpRequest the upload uses (a fake in unit tests). */
export interface UploadRequest {
  open(method: string, url: string): void;
  send(body: FormData): void;
  abort(): void;
  status: number;
  responseText: string;
  upload: { onprogress: ((e: { loaded: number; total: number; lengthComputable: boolean }) => void) | null };
  onload: (() => void) | null;
  onerror: (() => void) | null;
  onabort: (() => void) | null;
}

export interface Upload {
  done: Promise<void>;
  abort(): void;
}

/** POST ``file`` with the presigned form's fields (the file last, as S3 requires), reporting the
 * fraction sent. XHR, not fetch: fetch cannot report upload progress. */
export function uploadFile(
  form: MediaUpload["upload"],
  file: Blob,
  onProgress: (fraction: number) => void,
  makeRequest: () => UploadRequest = () => new XMLHttpRequest() as unknown as UploadRequest,
): Upload {
  const xhr = makeRequest();
  const done = new Promise<void>((resolve, reject) => {
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && e.total > 0) onProgress(Math.min(1, e.loaded / e.total));
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(1);
        resolve();
      } else {
        reject(new ApiError(xhr.status, "upload", s3ErrorMessage(xhr.status, xhr.responseText)));
      }
    };
    xhr.onerror = () => reject(new ApiError(0, "network", "network error"));
    xhr.onabort = () => reject(new ApiError(0, "aborted", "upload cancelled"));
  });
  const body = new FormData();
  for (const [name, value] of Object.entries(form.fields)) body.append(name, value);
  body.append("file", file);
  xhr.open("POST", form.url);
  xhr.send(body);
  return { done, abort: () => xhr.abort() };
}

export interface WaitOptions {
  intervalMs?: number;
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  cancelled?: () => boolean;
}

const sleeper = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** GET /media/{id} until the server has processed the upload (ready or failed). */
export async function waitUntilProcessed(api: ApiClient, id: string, options: WaitOptions = {}): Promise<MediaDetail> {
  const { intervalMs = 400, timeoutMs = 60_000, sleep = sleeper, now = Date.now, cancelled = () => false } = options;
  const deadline = now() + timeoutMs;
  let wait = intervalMs;
  for (;;) {
    const item = await api.get<MediaDetail>(`/media/${encodeURIComponent(id)}`);
    if (item.state !== "pending") return item;
    if (cancelled()) throw new ApiError(0, "aborted", "upload cancelled");
    if (now() + wait > deadline) throw new ApiError(0, "timeout", "Processing the upload took too long. Remove it and try again.");
    await sleep(wait);
    wait = Math.min(wait * 1.5, 2_000);
  }
}
