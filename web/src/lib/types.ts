// The API's shapes (README "API", functions/openapi/openapi.json). Ids are strings.

export interface UserCard {
  id: string;
  handle: string;
  display_name: string;
}

export interface User extends UserCard {
  bio: string;
  created_at: string;
  followers_count: number;
  following_count: number;
  tweets_count: number;
  following: boolean;
}

/** A link in a tweet (warbler.links.service.link_urls): ``url`` is the short link that counts the click. */
export interface UrlEntity {
  url: string;
  expanded_url: string;
  display_url: string;
  /** Code point offsets into the text. */
  indices: [number, number];
}

/** A tweet's media (warbler.media.service.view). */
export interface MediaEntity {
  id: string;
  type: "image" | "gif" | "video" | string;
  url: string | null;
  preview_url: string | null;
  width: number | null;
  height: number | null;
  alt_text: string | null;
}

/** GET /media/{id}: the entity and its processing state. */
export interface MediaDetail extends MediaEntity {
  state: "pending" | "ready" | "failed" | string;
  reason: string | null;
}

/** POST /media: the pending item and the presigned S3 POST for its bytes. */
export interface MediaUpload {
  id: string;
  state: string;
  upload: { url: string; fields: Record<string, string> };
  expires_at: string | null;
}

export interface Tweet {
  id: string;
  text: string;
  created_at: string;
  author: UserCard;
  hashtags: string[];
  mentions: { id: string; handle: string }[];
  like_count: number;
  retweet_count: number;
  reply_count: number;
  quote_count: number;
  reply_to_id: string | null;
  conversation_id: string;
  quote_of_id: string | null;
  quote_of?: Tweet | null;
  liked: boolean;
  retweeted: boolean;
  urls?: UrlEntity[];
  media?: MediaEntity[];
}

/** A retweet as it appears in a timeline. */
export interface Retweet {
  id: string;
  created_at: string;
  author: UserCard;
  retweeted_by: UserCard;
  retweet_of: Tweet;
}

export type Entry = Tweet | Retweet;

export function isRetweet(entry: Entry): entry is Retweet {
  return (entry as Retweet).retweet_of !== undefined;
}

/** The tweet a card shows and acts on: a retweet's original. */
export function shown(entry: Entry): Tweet {
  return isRetweet(entry) ? entry.retweet_of : entry;
}

export interface Notification {
  id: string;
  type: "like" | "retweet" | "follow" | "reply" | "quote" | "mention" | string;
  created_at: string;
  actors: UserCard[];
  count: number;
  tweet: { id: string; text: string; urls?: UrlEntity[]; media?: MediaEntity[] } | null;
  read: boolean;
}

export interface Trend {
  name: string;
  score: number;
  uses: number;
  accounts: number;
  history: number[];
}

export type LiveMessage =
  | { type: "tweet"; tweet: Entry }
  | { type: "notification"; notification: Notification }
  | { type: "delete"; tweet_id: string }
  | { type: "pong" };
