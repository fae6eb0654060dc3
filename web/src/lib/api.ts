// The REST client: one fetch wrapper, the bearer token, and the error envelope
// {"error": {"code", "message"}} turned into an ApiError with a readable message.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Seconds to wait before retrying (a 429's Retry-After), when the server says. */
    readonly retryAfter: number | null = null,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export type Query = Record<string, string | number | undefined | null>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface ApiClient {
  request<T>(method: string, path: string, options?: RequestOptions): Promise<T>;
  get<T>(path: string, query?: Query): Promise<T>;
}

export function buildUrl(base: string, path: string, query?: Query): string {
  const url = new URL(base.replace(/\/+$/, "") + path);
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(key, String(value));
  }
  return url.toString();
}

function retryAfterSeconds(header: string | null, now: number): number | null {
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now) / 1000));
}

/** The ApiError for a non-2xx response, from its envelope when it has one. */
export async function errorFrom(response: Response, now = Date.now()): Promise<ApiError> {
  let code = `http_${response.status}`;
  let message = response.statusText || `Request failed (${response.status})`;
  try {
    const body = await response.json();
    if (body && typeof body.error === "object" && body.error) {
      code = String(body.error.code ?? code);
      message = String(body.error.message ?? message);
    } else if (body && typeof body.message === "string") {
      message = body.message; // API Gateway's own answers before a gateway response maps them
    }
  } catch {
    // not JSON: keep the status text
  }
  return new ApiError(response.status, code, message, retryAfterSeconds(response.headers.get("Retry-After"), now));
}

/** What to tell a person about an error. */
export function describeError(error: unknown): string {
  if (!(error instanceof ApiError)) return "Something went wrong. Please try again.";
  if (error.status === 0 && error.code === "network") return "Could not reach Warbler. Check your connection and try again.";
  if (error.status === 429) {
    const when = error.retryAfter !== null ? ` Try again in ${error.retryAfter} s.` : "";
    return `Slow down: ${error.message}.${when}`.replace(/\.\./g, ".");
  }
  if (error.status === 401) return "Your session has expired. Please log in again.";
  if (error.status >= 500) return "Warbler had a problem answering. Please try again in a moment.";
  const text = error.message.trim();
  return text ? text.charAt(0).toUpperCase() + text.slice(1) : `Request failed (${error.status}).`;
}

export function createApi(
  base: string,
  token: () => string | null,
  onUnauthorized: () => void,
  fetcher: typeof fetch = (...args) => fetch(...args),
): ApiClient {
  async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = { Accept: "application/json", ...options.headers };
    const bearer = token();
    if (bearer) headers.Authorization = `Bearer ${bearer}`;
    let body: string | undefined;
    if (options.body !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(options.body);
    }
    let response: Response;
    try {
      response = await fetcher(buildUrl(base, path, options.query), { method, headers, body });
    } catch {
      throw new ApiError(0, "network", "network error");
    }
    if (!response.ok) {
      const error = await errorFrom(response);
      if (error.status === 401 && bearer) onUnauthorized();
      throw error;
    }
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }
  return { request, get: (path, query) => request("GET", path, { query }) };
}
