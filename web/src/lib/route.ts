// Hash routes (#/@alice, #/tweet/123): a static host serves index.html for every screen
// without rewrite rules, locally and from S3.

export type Route =
  | { name: "home" }
  | { name: "login" }
  | { name: "signup" }
  | { name: "profile"; handle: string; tab: "tweets" | "likes" | "followers" | "following" }
  | { name: "tweet"; id: string }
  | { name: "notifications" }
  | { name: "search"; q: string; type: "tweets" | "users"; sort: "top" | "latest" }
  | { name: "not_found"; path: string };

const TABS = ["tweets", "likes", "followers", "following"] as const;

export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#/, "") || "/";
  const [pathPart, queryPart = ""] = raw.split("?", 2);
  const path = pathPart.replace(/\/+$/, "") || "/";
  const query = new URLSearchParams(queryPart);
  if (path === "/" || path === "/home") return { name: "home" };
  if (path === "/login") return { name: "login" };
  if (path === "/signup") return { name: "signup" };
  if (path === "/notifications") return { name: "notifications" };
  if (path === "/search") {
    const type = query.get("type") === "users" ? "users" : "tweets";
    const sort = query.get("sort") === "latest" ? "latest" : "top";
    return { name: "search", q: query.get("q") ?? "", type, sort };
  }
  let m = /^\/tweet\/(\d{1,20})$/.exec(path);
  if (m) return { name: "tweet", id: m[1] };
  m = /^\/@([A-Za-z0-9_]{1,15})(?:\/(tweets|likes|followers|following))?$/.exec(path);
  if (m) {
    const tab = (TABS as readonly string[]).includes(m[2] ?? "") ? (m[2] as (typeof TABS)[number]) : "tweets";
    return { name: "profile", handle: m[1], tab };
  }
  return { name: "not_found", path };
}

export function href(route: Route): string {
  switch (route.name) {
    case "home":
      return "#/";
    case "login":
    case "signup":
    case "notifications":
      return `#/${route.name}`;
    case "profile":
      return route.tab === "tweets" ? `#/@${route.handle}` : `#/@${route.handle}/${route.tab}`;
    case "tweet":
      return `#/tweet/${route.id}`;
    case "search": {
      const q = new URLSearchParams({ q: route.q, type: route.type, sort: route.sort });
      return `#/search?${q}`;
    }
    case "not_found":
      return `#${route.path}`;
  }
}

export const profileHref = (handle: string, tab: "tweets" | "likes" | "followers" | "following" = "tweets") =>
  href({ name: "profile", handle, tab });
export const tweetHref = (id: string) => href({ name: "tweet", id });
export const searchHref = (q: string, type: "tweets" | "users" = "tweets", sort: "top" | "latest" = "top") =>
  href({ name: "search", q, type, sort });
