import { describe, expect, it } from "vitest";
import { ApiError, buildUrl, createApi, describeError } from "../src/lib/api";
import { isExpired, loadDraft, loadSession, saveDraft, saveSession } from "../src/lib/session";
import { href, parseRoute } from "../src/lib/route";

function response(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { "Content-Type": "application/json", ...headers } });
}

describe("the REST client", () => {
  it("sends the bearer token and turns the error envelope into a readable ApiError", async () => {
    const seen: { url: string; init: RequestInit }[] = [];
    const api = createApi("http://api/", () => "tok", () => undefined, async (url, init) => {
      seen.push({ url: String(url), init: init ?? {} });
      return response(422, { error: { code: "invalid", message: "text is 281 characters; the limit is 280" } });
    });
    const error = (await api.request("POST", "/tweets", { body: { text: "x" } }).catch((e: unknown) => e)) as ApiError;
    expect(error).toBeInstanceOf(ApiError);
    expect(error.code).toBe("invalid");
    expect(describeError(error)).toBe("Text is 281 characters; the limit is 280");
    expect(seen[0].url).toBe("http://api/tweets");
    expect((seen[0].init.headers as Record<string, string>).Authorization).toBe("Bearer tok");
  });

  it("says when to retry after a 429", async () => {
    const api = createApi("http://api", () => "t", () => undefined, async () =>
      response(429, { error: { code: "rate_limited", message: "tweet limit of 300 reached" } }, { "Retry-After": "42" }),
    );
    const error = (await api.get("/x").catch((e: unknown) => e)) as ApiError;
    expect(error.retryAfter).toBe(42);
    expect(describeError(error)).toBe("Slow down: tweet limit of 300 reached. Try again in 42 s.");
  });

  it("a 401 with a token signs you out (the caller keeps the draft)", async () => {
    let signedOut = 0;
    const api = createApi("http://api", () => "t", () => signedOut++, async () => response(401, { error: { code: "unauthorized", message: "Missing or invalid token" } }));
    await api.get("/me").catch(() => undefined);
    expect(signedOut).toBe(1);
  });

  it("a network failure is an ApiError with status 0", async () => {
    const api = createApi("http://api", () => null, () => undefined, async () => {
      throw new TypeError("Failed to fetch");
    });
    const error = (await api.get("/x").catch((e: unknown) => e)) as ApiError;
    expect(error.status).toBe(0);
    expect(describeError(error)).toMatch(/Could not reach Warbler/);
  });

  it("builds query strings without empty values", () => {
    expect(buildUrl("http://a/", "/search", { q: "#x y", cursor: undefined, limit: 20 })).toBe("http://a/search?q=%23x+y&limit=20");
  });
});

class MemoryStorage implements Storage {
  private data = new Map<string, string>();
  get length() {
    return this.data.size;
  }
  clear() {
    this.data.clear();
  }
  getItem(key: string) {
    return this.data.get(key) ?? null;
  }
  key(index: number) {
    return [...this.data.keys()][index] ?? null;
  }
  removeItem(key: string) {
    this.data.delete(key);
  }
  setItem(key: string, value: string) {
    this.data.set(key, value);
  }
}

const jwt = (exp: number) => `h.${btoa(JSON.stringify({ exp })).replace(/=+$/, "")}.s`;

describe("the session", () => {
  const user = { id: "1", handle: "a", display_name: "A", bio: "", created_at: "", followers_count: 0, following_count: 0, tweets_count: 0, following: false };

  it("survives a reload of the tab until the token expires", () => {
    const storage = new MemoryStorage();
    const token = jwt(Date.now() / 1000 + 3600);
    saveSession({ token, user }, storage);
    expect(loadSession(storage)?.token).toBe(token);
  });

  it("drops an expired token instead of using it", () => {
    const storage = new MemoryStorage();
    saveSession({ token: jwt(Date.now() / 1000 - 10), user }, storage);
    expect(loadSession(storage)).toBeNull();
    expect(storage.length).toBe(0);
    expect(isExpired("garbage")).toBe(true);
  });

  it("keeps drafts apart from the session, so logging in again finds them", () => {
    const storage = new MemoryStorage();
    saveDraft("home", "half a thought", storage);
    saveSession(null, storage);
    expect(loadDraft("home", storage)).toBe("half a thought");
  });
});

describe("routes", () => {
  it("round-trips every screen through the hash", () => {
    for (const hash of ["#/", "#/notifications", "#/@alice", "#/@alice/likes", "#/tweet/123", "#/search?q=%23x&type=users&sort=top", "#/login"]) {
      expect(href(parseRoute(hash))).toBe(hash);
    }
  });

  it("an unknown path is not found, not home", () => {
    expect(parseRoute("#/nope").name).toBe("not_found");
  });
});
