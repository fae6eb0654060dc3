import { describe, expect, it } from "vitest";
import { backoffDelay, liveUrl, parseLive } from "../src/lib/live";

describe("reconnect back-off", () => {
  it("doubles from half a second", () => {
    const top = (n: number) => backoffDelay(n, () => 1);
    expect([0, 1, 2, 3].map(top)).toEqual([500, 1000, 2000, 4000]);
  });

  it("is capped at 30 s however many attempts failed", () => {
    expect(backoffDelay(50, () => 1)).toBe(30_000);
  });

  it("jitters between half and all of the ceiling, so tabs do not reconnect in step", () => {
    expect(backoffDelay(3, () => 0)).toBe(2000);
    expect(backoffDelay(3, () => 0.5)).toBe(3000);
  });
});

describe("the WebSocket URL", () => {
  it("carries the token in the query, as $connect expects", () => {
    expect(liveUrl("ws://127.0.0.1:3001", "a.b.c")).toBe("ws://127.0.0.1:3001/?token=a.b.c");
    expect(liveUrl("wss://x.execute-api.us-east-1.amazonaws.com/dev", "t")).toBe("wss://x.execute-api.us-east-1.amazonaws.com/dev?token=t");
  });
});

describe("messages", () => {
  it("parses the server's messages and drops anything else", () => {
    expect(parseLive('{"type":"delete","tweet_id":"5"}')).toEqual({ type: "delete", tweet_id: "5" });
    expect(parseLive("not json")).toBeNull();
    expect(parseLive('{"no":"type"}')).toBeNull();
  });
});
