import { describe, expect, it } from "vitest";
import { ApiError, type ApiClient } from "../src/lib/api";
import { attachProblem, kindOf, s3ErrorMessage, type UploadRequest, uploadFile, waitUntilProcessed } from "../src/lib/media";

const file = (name: string, type: string) => ({ name, type });

describe("what a tweet may attach (warbler.media.service.check_attachable)", () => {
  it("takes up to four images", () => {
    expect(attachProblem([], [1, 2, 3, 4].map((i) => file(`${i}.png`, "image/png")))).toBeNull();
    expect(attachProblem(["image", "image", "image"], [file("4.webp", "image/webp")])).toBeNull();
  });

  it("refuses a fifth image", () => {
    expect(attachProblem(["image", "image", "image", "image"], [file("5.jpg", "image/jpeg")])).toBe("A tweet carries at most 4 images.");
  });

  it("takes one GIF or one video, alone", () => {
    expect(attachProblem([], [file("a.gif", "image/gif")])).toBeNull();
    expect(attachProblem([], [file("a.mp4", "video/mp4")])).toBeNull();
    expect(attachProblem(["image"], [file("a.gif", "image/gif")])).toMatch(/only media/);
    expect(attachProblem(["video"], [file("b.png", "image/png")])).toMatch(/only media/);
    expect(attachProblem([], [file("a.mp4", "video/mp4"), file("b.mp4", "video/mp4")])).toMatch(/only media/);
  });

  it("names a file of a type the server refuses", () => {
    expect(attachProblem([], [file("ok.png", "image/png"), file("logo.svg", "image/svg+xml")])).toBe(
      "logo.svg is not a file Warbler takes: use JPEG, PNG, WebP, GIF or MP4.",
    );
    expect(kindOf("image/heic")).toBeNull();
  });
});

describe("S3's refusals as sentences", () => {
  it("reads the error document", () => {
    const body = "<Error><Code>AccessDenied</Code><Message>Invalid according to Policy: Policy Condition failed</Message></Error>";
    expect(s3ErrorMessage(403, body)).toBe("The upload was refused: Invalid according to Policy: Policy Condition failed");
  });

  it("says when the form expired or the size is wrong", () => {
    expect(s3ErrorMessage(403, "<Error><Code>AccessDenied</Code><Message>Invalid according to Policy: Policy expired.</Message></Error>")).toMatch(
      /took too long/,
    );
    expect(s3ErrorMessage(400, "<Error><Code>EntityTooLarge</Code></Error>")).toMatch(/size does not match/);
    expect(s3ErrorMessage(502, "")).toBe("The upload failed (502).");
  });
});

class FakeRequest implements UploadRequest {
  status = 0;
  responseText = "";
  upload: UploadRequest["upload"] = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;
  opened: [string, string] | null = null;
  sent: FormData | null = null;
  open(method: string, url: string) {
    this.opened = [method, url];
  }
  send(body: FormData) {
    this.sent = body;
  }
  abort() {
    this.onabort?.();
  }
}

const form = { url: "http://s3.test/bucket", fields: { key: "uploads/1", "Content-Type": "image/png", policy: "p" } };

describe("the upload to S3", () => {
  it("posts the form's fields, then the file, and reports progress", async () => {
    const xhr = new FakeRequest();
    const seen: number[] = [];
    const upload = uploadFile(form, new Blob(["png"]), (f) => seen.push(f), () => xhr);
    expect(xhr.opened).toEqual(["POST", "http://s3.test/bucket"]);
    expect([...(xhr.sent as FormData).keys()]).toEqual(["key", "Content-Type", "policy", "file"]);
    xhr.upload.onprogress?.({ loaded: 1, total: 4, lengthComputable: true });
    xhr.upload.onprogress?.({ loaded: 0, total: 0, lengthComputable: false });
    xhr.status = 204;
    xhr.onload?.();
    await upload.done;
    expect(seen).toEqual([0.25, 1]);
  });

  it("rejects with S3's reason", async () => {
    const xhr = new FakeRequest();
    const upload = uploadFile(form, new Blob(["png"]), () => {}, () => xhr);
    xhr.status = 403;
    xhr.responseText = "<Error><Code>AccessDenied</Code><Message>Policy Condition failed</Message></Error>";
    xhr.onload?.();
    await expect(upload.done).rejects.toMatchObject({ status: 403, message: "The upload was refused: Policy Condition failed" });
  });

  it("rejects as a network error, or as cancelled when aborted", async () => {
    const lost = new FakeRequest();
    const first = uploadFile(form, new Blob(["x"]), () => {}, () => lost);
    lost.onerror?.();
    await expect(first.done).rejects.toMatchObject({ status: 0, code: "network" });
    const cancelled = new FakeRequest();
    const second = uploadFile(form, new Blob(["x"]), () => {}, () => cancelled);
    second.abort();
    await expect(second.done).rejects.toMatchObject({ code: "aborted" });
  });
});

function apiAnswering(states: string[]): ApiClient & { calls: string[] } {
  const calls: string[] = [];
  const get = async <T>(path: string) => {
    calls.push(path);
    const state = states[Math.min(calls.length - 1, states.length - 1)];
    return { id: "1", state, reason: state === "failed" ? "not a PNG" : null } as T;
  };
  return { calls, get, request: async () => Promise.reject(new Error("unused")) } as ApiClient & { calls: string[] };
}

describe("waiting for processing", () => {
  it("polls GET /media/{id} until the item is ready or failed", async () => {
    const api = apiAnswering(["pending", "pending", "ready"]);
    const slept: number[] = [];
    const item = await waitUntilProcessed(api, "1", { sleep: async (ms) => void slept.push(ms), intervalMs: 100 });
    expect(item.state).toBe("ready");
    expect(api.calls).toEqual(["/media/1", "/media/1", "/media/1"]);
    expect(slept).toEqual([100, 150]); // backing off
    expect((await waitUntilProcessed(apiAnswering(["failed"]), "1")).reason).toBe("not a PNG");
  });

  it("gives up at the deadline with a readable error", async () => {
    let clock = 0;
    const waiting = waitUntilProcessed(apiAnswering(["pending"]), "1", {
      timeoutMs: 1_000,
      now: () => clock,
      sleep: async (ms) => void (clock += ms),
    });
    await expect(waiting).rejects.toBeInstanceOf(ApiError);
    await expect(waiting).rejects.toMatchObject({ code: "timeout" });
  });
});
