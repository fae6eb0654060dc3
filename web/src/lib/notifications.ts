// A grouped notification as a sentence: "alice and 2 others liked your tweet".

import type { Notification } from "./types";

const VERBS: Record<string, string> = {
  like: "liked your tweet",
  retweet: "retweeted your tweet",
  follow: "followed you",
  reply: "replied to your tweet",
  quote: "quoted your tweet",
  mention: "mentioned you",
};

export function notificationSentence(n: Notification): string {
  const names = n.actors.map((a) => a.display_name || a.handle);
  const others = Math.max(0, n.count - Math.min(names.length, 1));
  const who =
    names.length === 0
      ? `${n.count} ${n.count === 1 ? "person" : "people"}`
      : others === 0
        ? names[0]
        : `${names[0]} and ${others} ${others === 1 ? "other" : "others"}`;
  return `${who} ${VERBS[n.type] ?? n.type}`;
}

/** Put a pushed notification in the list: a group already shown is replaced and moves to the top. */
export function mergeNotification(list: Notification[], pushed: Notification): Notification[] {
  return [pushed, ...list.filter((n) => n.id !== pushed.id)];
}
