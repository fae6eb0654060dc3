-- Every figure of the daily and weekly reports, over the activity lake.
--
-- Written once for both engines: DuckDB (embedded) and Athena (Trino). Only SQL both accept:
-- no engine-specific functions, identifiers that are keywords somewhere are double-quoted, days are
-- 'YYYY-MM-DD' strings compared as strings, day arithmetic is date + INTERVAL 'n' DAY, percentiles
-- are nearest-rank over ROW_NUMBER (tests/unit/test_analytics_sql.py checks the text parses the same
-- in both dialects and runs it on DuckDB over a hand-computed lake).
--
-- `activity` is the lake: one row per delivered event, with `dt` its day partition (the first ten
-- characters of `at`, written by Firehose's dynamic partitioning). Delivery is at-least-once, so
-- every figure reads `events`, the lake deduplicated on event_id, which the runner puts in front
-- of each query as
--     WITH events AS (<the `events` block below, over that figure's window of days>)
--
-- Each block starts with `-- figure: <name> window: <days>`; the window names the days of lake
-- the figure reads: `period` (the report's days), `month` (the 30 days ending with the period),
-- `cohorts` (7 days before the period, and the period). Parameters, filled in by the runner with
-- quoted day literals it formats itself: {start} and {end} (the period, inclusive), {lo} and {hi}
-- (the window), {week_start} and {month_start} (6 and 29 days before {end}), {last_cohort} (the
-- day before {end}).

-- figure: events window: -
SELECT event_id, "type", actor_id, "at", dt, tweet_id, parent_id, "key", hashtags
FROM (
    SELECT
        event_id, "type", actor_id, "at", dt, tweet_id, parent_id, "key", hashtags,
        ROW_NUMBER() OVER (PARTITION BY event_id ORDER BY "at") AS copy
    FROM activity
    WHERE dt BETWEEN {lo} AND {hi}
) AS deliveries
WHERE copy = 1

-- figure: active_users window: month
-- DAU: distinct actors with any event on the period's last day; WAU: the 7 days ending then;
-- MAU: the 30 days ending then. Any event counts: a `seen` (a timeline read) as much as a post.
SELECT
    COUNT(DISTINCT CASE WHEN dt = {end} THEN actor_id END) AS dau,
    COUNT(DISTINCT CASE WHEN dt >= {week_start} THEN actor_id END) AS wau,
    COUNT(DISTINCT actor_id) AS mau,
    COUNT(DISTINCT CASE WHEN dt >= {start} THEN actor_id END) AS period_active_users
FROM events

-- figure: actions window: period
-- How many of each action happened in the period.
SELECT
    COUNT(*) AS events,
    COUNT(CASE WHEN "type" = 'signup' THEN 1 END) AS signups,
    COUNT(CASE WHEN "type" = 'post' THEN 1 END) AS posts,
    COUNT(CASE WHEN "type" = 'reply' THEN 1 END) AS replies,
    COUNT(CASE WHEN "type" = 'quote' THEN 1 END) AS quotes,
    COUNT(CASE WHEN "type" = 'retweet' THEN 1 END) AS retweets,
    COUNT(CASE WHEN "type" = 'like' THEN 1 END) AS likes,
    COUNT(CASE WHEN "type" = 'follow' THEN 1 END) AS follows,
    COUNT(CASE WHEN "type" = 'unfollow' THEN 1 END) AS unfollows,
    COUNT(CASE WHEN "type" = 'delete' THEN 1 END) AS deletes,
    COUNT(CASE WHEN "type" = 'click' THEN 1 END) AS link_clicks
FROM events

-- figure: daily_active window: period
-- Per day of the period: distinct actors and events (the weekly report's chart).
SELECT dt AS day, COUNT(DISTINCT actor_id) AS active_users, COUNT(*) AS events
FROM events
GROUP BY dt
ORDER BY dt

-- figure: hourly window: period
-- Per UTC hour of the period: events and distinct actors (the daily report's chart).
SELECT substr("at", 12, 2) AS hour, COUNT(*) AS events, COUNT(DISTINCT actor_id) AS active_users
FROM events
GROUP BY substr("at", 12, 2)
ORDER BY hour

-- figure: top_hashtags window: period
-- The 10 hashtags used in the most posts, replies and quotes (ties by name).
SELECT lower(tag) AS hashtag, COUNT(*) AS uses
FROM events
CROSS JOIN UNNEST(hashtags) AS used(tag)
WHERE "type" IN ('post', 'reply', 'quote')
GROUP BY lower(tag)
ORDER BY uses DESC, hashtag
LIMIT 10

-- figure: top_tweets window: period
-- The 10 tweets with the most engagements in the period: likes, retweets, replies and quotes
-- (a reply or quote engages its parent). Undos are not subtracted: engagement is activity.
SELECT
    tweet_id,
    COUNT(*) AS engagements,
    COUNT(CASE WHEN "type" = 'like' THEN 1 END) AS likes,
    COUNT(CASE WHEN "type" = 'retweet' THEN 1 END) AS retweets,
    COUNT(CASE WHEN "type" = 'reply' THEN 1 END) AS replies,
    COUNT(CASE WHEN "type" = 'quote' THEN 1 END) AS quotes
FROM (
    SELECT "type", CASE WHEN "type" IN ('reply', 'quote') THEN parent_id ELSE tweet_id END AS tweet_id
    FROM events
    WHERE "type" IN ('like', 'retweet', 'reply', 'quote')
) AS engaged
WHERE tweet_id IS NOT NULL
GROUP BY tweet_id
ORDER BY engagements DESC, tweet_id
LIMIT 10

-- figure: top_links window: period
-- The 10 most clicked short links, with how many distinct accounts clicked each.
SELECT "key" AS link, COUNT(*) AS clicks, COUNT(DISTINCT actor_id) AS clickers
FROM events
WHERE "type" = 'click' AND "key" IS NOT NULL
GROUP BY "key"
ORDER BY clicks DESC, link
LIMIT 10

-- figure: retention window: cohorts
-- Each sign-up cohort (the accounts that signed up on one day) from 7 days before the period to
-- the day before its end: how many came back (any event but the sign-up) exactly 1 and 7 days
-- later. A rate is NULL while its day is still after the period's end. (Day arithmetic is
-- `date + INTERVAL 'n' DAY`: DuckDB's date_diff counts boundaries, Trino's whole units.)
SELECT
    cohort,
    COUNT(*) AS size,
    SUM(day1) AS day1_returned,
    CASE WHEN CAST(cohort AS DATE) + INTERVAL '1' DAY <= CAST({end} AS DATE)
        THEN CAST(SUM(day1) AS DOUBLE) / COUNT(*) END AS day1_retention,
    SUM(day7) AS day7_returned,
    CASE WHEN CAST(cohort AS DATE) + INTERVAL '7' DAY <= CAST({end} AS DATE)
        THEN CAST(SUM(day7) AS DOUBLE) / COUNT(*) END AS day7_retention
FROM (
    SELECT
        signup.dt AS cohort,
        signup.actor_id,
        MAX(CASE WHEN CAST(signup.dt AS DATE) + INTERVAL '1' DAY = CAST(later.dt AS DATE) THEN 1 ELSE 0 END) AS day1,
        MAX(CASE WHEN CAST(signup.dt AS DATE) + INTERVAL '7' DAY = CAST(later.dt AS DATE) THEN 1 ELSE 0 END) AS day7
    FROM events AS signup
    LEFT JOIN events AS later
        ON later.actor_id = signup.actor_id
        AND later."type" <> 'signup'
        AND (
            CAST(signup.dt AS DATE) + INTERVAL '1' DAY = CAST(later.dt AS DATE)
            OR CAST(signup.dt AS DATE) + INTERVAL '7' DAY = CAST(later.dt AS DATE)
        )
    WHERE signup."type" = 'signup' AND signup.dt <= {last_cohort}
    GROUP BY signup.dt, signup.actor_id
) AS members
GROUP BY cohort
ORDER BY cohort

-- figure: posts_per_active_user window: period
-- Posts (type `post`) by each account active in the period, zeros included; p50 and p95 by
-- nearest rank (the smallest value with at least that share of accounts at or below it).
SELECT
    COUNT(*) AS active_users,
    MAX(CASE WHEN rank_ = CAST(CEIL(0.50 * accounts) AS BIGINT) THEN posts END) AS p50,
    MAX(CASE WHEN rank_ = CAST(CEIL(0.95 * accounts) AS BIGINT) THEN posts END) AS p95,
    MAX(posts) AS max
FROM (
    SELECT
        posts,
        ROW_NUMBER() OVER (ORDER BY posts) AS rank_,
        COUNT(*) OVER () AS accounts
    FROM (
        SELECT actor_id, COUNT(CASE WHEN "type" = 'post' THEN 1 END) AS posts
        FROM events
        GROUP BY actor_id
    ) AS per_account
) AS ranked
