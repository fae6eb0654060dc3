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
  tweet: { id: string; text: string } | null;
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
