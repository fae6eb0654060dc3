import { useState } from "preact/hooks";
import { useApp } from "../context";
import { describeError } from "../lib/api";
import { profileHref, tweetHref } from "../lib/route";
import { inverse, toggled, type TimelineAction } from "../lib/timeline";
import { shortAge } from "../lib/time";
import { isRetweet, shown, type Entry, type Tweet } from "../lib/types";
import { Compose } from "./Compose";
import { Dialog } from "./Dialog";
import { Icon } from "./Icon";
import { MediaGrid } from "./MediaGrid";
import { RichText } from "./RichText";

type Dispatch = (action: TimelineAction) => void;

/** Like/retweet with an optimistic update rolled back on error; delete own tweet. */
export function useTweetActions(dispatch: Dispatch) {
  const { api, toast } = useApp();
  const toggle = async (tweet: Tweet, kind: "like" | "retweet") => {
    const on = kind === "like" ? !tweet.liked : !tweet.retweeted;
    const patch = toggled(tweet, kind, on);
    const undo = inverse(tweet, patch);
    dispatch({ type: "patch", id: tweet.id, patch });
    try {
      const updated = await api.request<Tweet>(on ? "POST" : "DELETE", `/tweets/${tweet.id}/${kind}`);
      dispatch({ type: "replace", tweet: updated });
    } catch (error) {
      dispatch({ type: "patch", id: tweet.id, patch: undo });
      toast(describeError(error));
    }
  };
  const remove = async (tweet: Tweet) => {
    try {
      await api.request("DELETE", `/tweets/${tweet.id}`);
      dispatch({ type: "deleted", id: tweet.id });
      toast("Tweet deleted.");
      return true;
    } catch (error) {
      toast(describeError(error));
      return false;
    }
  };
  return { toggle, remove };
}

function plural(n: number, one: string, many: string) {
  return `${n} ${n === 1 ? one : many}`;
}

interface TweetCardProps {
  entry: Entry;
  dispatch: Dispatch;
  /** The tweet a detail page is about: larger, not a link to itself. */
  focus?: boolean;
  onPosted?: (tweet: Tweet) => void;
  onDeleted?: (tweet: Tweet) => void;
}

export function TweetCard({ entry, dispatch, focus, onPosted, onDeleted }: TweetCardProps) {
  const { me } = useApp();
  const tweet = shown(entry);
  const { toggle, remove } = useTweetActions(dispatch);
  const [dialog, setDialog] = useState<"reply" | "quote" | null>(null);
  const [confirming, setConfirming] = useState(false);
  const mine = tweet.author.id === me.id;
  const headingId = `tweet-${entry.id}-author`;
  const created = new Date(tweet.created_at);

  return (
    <article class={`tweet${focus ? " tweet-focus" : ""}`} aria-labelledby={headingId} data-tweet-id={tweet.id}>
      {isRetweet(entry) && (
        <p class="muted retweeted-by">
          <Icon name="retweet" /> <a href={profileHref(entry.retweeted_by.handle)}>{entry.retweeted_by.display_name}</a>{" "}
          retweeted
        </p>
      )}
      <header class="tweet-head">
        <a id={headingId} class="author" href={profileHref(tweet.author.handle)}>
          <strong>{tweet.author.display_name}</strong> <span class="muted">@{tweet.author.handle}</span>
        </a>
        <span class="muted" aria-hidden="true">
          {" "}
          ·{" "}
        </span>
        <a class="muted" href={tweetHref(tweet.id)} aria-label={`Open tweet, posted ${created.toLocaleString()}`}>
          <time dateTime={tweet.created_at}>{shortAge(tweet.created_at)}</time>
        </a>
      </header>
      {tweet.reply_to_id && !focus && (
        <p class="muted in-reply">
          <a href={tweetHref(tweet.reply_to_id)}>Replying to a tweet</a>
        </p>
      )}
      <p class="tweet-text">
        <RichText text={tweet.text} urls={tweet.urls} />
      </p>
      {tweet.media && tweet.media.length > 0 && <MediaGrid media={tweet.media} />}
      {tweet.quote_of ? (
        <blockquote class="quoted">
          <strong>{tweet.quote_of.author.display_name}</strong> <span class="muted">@{tweet.quote_of.author.handle}</span>
          <p>
            <RichText text={tweet.quote_of.text} urls={tweet.quote_of.urls} />
          </p>
          {tweet.quote_of.media && tweet.quote_of.media.length > 0 && <MediaGrid media={tweet.quote_of.media} />}
          <a href={tweetHref(tweet.quote_of.id)}>Show the quoted tweet</a>
        </blockquote>
      ) : (
        tweet.quote_of_id && <p class="quoted muted">This tweet is unavailable.</p>
      )}
      <div class="tweet-actions" role="group" aria-label="Tweet actions">
        <button type="button" class="action" onClick={() => setDialog("reply")} aria-label={`Reply, ${plural(tweet.reply_count, "reply", "replies")}`}>
          <Icon name="reply" /> <span aria-hidden="true">{tweet.reply_count}</span>
        </button>
        <button
          type="button"
          class={`action${tweet.retweeted ? " on-retweet" : ""}`}
          aria-pressed={tweet.retweeted}
          aria-label={`Retweet, ${plural(tweet.retweet_count, "retweet", "retweets")}`}
          onClick={() => toggle(tweet, "retweet")}
        >
          <Icon name="retweet" /> <span aria-hidden="true">{tweet.retweet_count}</span>
        </button>
        <button type="button" class="action" onClick={() => setDialog("quote")} aria-label={`Quote, ${plural(tweet.quote_count, "quote", "quotes")}`}>
          <Icon name="quote" /> <span aria-hidden="true">{tweet.quote_count}</span>
        </button>
        <button
          type="button"
          class={`action${tweet.liked ? " on-like" : ""}`}
          aria-pressed={tweet.liked}
          aria-label={`Like, ${plural(tweet.like_count, "like", "likes")}`}
          onClick={() => toggle(tweet, "like")}
        >
          <Icon name="like" /> <span aria-hidden="true">{tweet.like_count}</span>
        </button>
        {mine &&
          (confirming ? (
            <span class="confirm">
              <button
                type="button"
                class="danger"
                onClick={async () => {
                  if (await remove(tweet)) onDeleted?.(tweet);
                  setConfirming(false);
                }}
              >
                Delete tweet
              </button>
              <button type="button" class="link-button" onClick={() => setConfirming(false)}>
                Cancel
              </button>
            </span>
          ) : (
            <button type="button" class="action" aria-label="Delete" onClick={() => setConfirming(true)}>
              <Icon name="trash" />
            </button>
          ))}
      </div>
      {dialog && (
        <Dialog title={dialog === "reply" ? `Reply to @${tweet.author.handle}` : "Quote tweet"} onClose={() => setDialog(null)}>
          <Compose
            draftKey={`${dialog}-${tweet.id}`}
            label={dialog === "reply" ? "Your reply" : "Add a comment"}
            replyTo={dialog === "reply" ? tweet : undefined}
            quoteOf={dialog === "quote" ? tweet : undefined}
            autoFocus
            onPosted={(posted) => {
              setDialog(null);
              dispatch({ type: "patch", id: tweet.id, patch: dialog === "reply" ? { reply_count: tweet.reply_count + 1 } : { quote_count: tweet.quote_count + 1 } });
              onPosted?.(posted);
            }}
          />
        </Dialog>
      )}
    </article>
  );
}
