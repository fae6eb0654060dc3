// The WebSocket: one connection per signed-in tab, reconnected with capped, jittered
// exponential back-off when it drops, and pinged so idle proxies keep it open.

import type { LiveMessage } from "./types";

export type LiveStatus = "connecting" | "open" | "reconnecting" | "closed";

/** Delay before reconnect attempt ``attempt`` (0-based): base·2^attempt, capped, 50-100 % jitter. */
export function backoffDelay(attempt: number, random: () => number = Math.random, base = 500, cap = 30_000): number {
  const ceiling = Math.min(cap, base * 2 ** Math.min(attempt, 20));
  return Math.round(ceiling * (0.5 + random() / 2));
}

export function liveUrl(endpoint: string, token: string): string {
  const url = new URL(endpoint);
  url.searchParams.set("token", token);
  return url.toString();
}

export function parseLive(data: unknown): LiveMessage | null {
  if (typeof data !== "string") return null;
  try {
    const message = JSON.parse(data);
    if (message && typeof message.type === "string") return message as LiveMessage;
  } catch {
    // ignore what is not a message
  }
  return null;
}

export interface LiveOptions {
  endpoint: string;
  token: () => string | null;
  onMessage: (message: LiveMessage) => void;
  onStatus: (status: LiveStatus) => void;
  /** Called after each failed attempt: the token may have expired. */
  onDropped?: (attempt: number) => void;
  pingSeconds?: number;
  socketFactory?: (url: string) => WebSocket;
}

export class LiveConnection {
  private socket: WebSocket | null = null;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private stopped = false;

  constructor(private readonly options: LiveOptions) {}

  start(): void {
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.retryTimer = this.pingTimer = null;
    this.socket?.close(1000);
    this.socket = null;
    this.options.onStatus("closed");
  }

  private connect(): void {
    const token = this.options.token();
    if (!token || this.stopped) return;
    this.options.onStatus(this.attempt === 0 ? "connecting" : "reconnecting");
    const make = this.options.socketFactory ?? ((url: string) => new WebSocket(url));
    const socket = make(liveUrl(this.options.endpoint, token));
    this.socket = socket;
    socket.onopen = () => {
      this.attempt = 0;
      this.options.onStatus("open");
      if (this.pingTimer) clearInterval(this.pingTimer);
      this.pingTimer = setInterval(() => {
        if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ action: "ping" }));
      }, (this.options.pingSeconds ?? 300) * 1000);
    };
    socket.onmessage = (event) => {
      const message = parseLive(event.data);
      if (message) this.options.onMessage(message);
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (this.pingTimer) clearInterval(this.pingTimer);
      this.pingTimer = null;
      if (this.stopped) return;
      const delay = backoffDelay(this.attempt);
      this.options.onDropped?.(this.attempt);
      this.attempt += 1;
      this.options.onStatus("reconnecting");
      this.retryTimer = setTimeout(() => this.connect(), delay);
    };
  }
}
