"""A synthetic social graph: power-law popularity, a long tail, deterministic for a seed.

Who gets followed follows a Zipf law over a shuffled ranking of the users (a few famous
accounts, a long tail); how many accounts a user follows is Pareto distributed, scaled so the
graph has exactly ``follows`` edges. Tweets are spread over authors and numbered in time order,
so a larger id is a later tweet, as with snowflake ids. Everything is drawn from one
``random.Random(seed)`` in a fixed order: the same parameters give the same graph, byte for byte.
"""

from __future__ import annotations

import itertools
import random
from array import array
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class GraphSpec:
    users: int
    follows: int
    tweets_per_user: float = 10.0
    zipf_exponent: float = 0.9
    following_alpha: float = 1.6  # Pareto shape of the following counts: smaller, heavier tail
    max_following: int = 5000
    seed: int = 42

    @property
    def tweets(self) -> int:
        return int(self.users * self.tweets_per_user)

    @property
    def label(self) -> str:
        return f"{self.users:,} users / {self.follows:,} follows"

    def key(self) -> str:
        """A short name that changes whenever the generated data would."""
        return (
            f"u{self.users}_f{self.follows}_t{self.tweets}_z{self.zipf_exponent:g}"
            f"_a{self.following_alpha:g}_m{self.max_following}_s{self.seed}_v{GENERATOR_VERSION}"
        ).replace(".", "p")


GENERATOR_VERSION = 1


@dataclass
class SocialGraph:
    spec: GraphSpec
    follower: array  # edge i: follower[i] follows followee[i]; grouped by follower
    followee: array
    following_count: array  # per user
    followers_count: array  # per user
    tweet_author: array  # tweet i (id i + 1, in time order) was written by tweet_author[i]

    @property
    def users(self) -> int:
        return self.spec.users

    def edges(self) -> Iterator[tuple[int, int]]:
        return zip(self.follower, self.followee, strict=True)

    def followees_of(self, user: int) -> list[int]:
        start = self._offsets()[user]
        return list(self.followee[start : start + self.following_count[user]])

    def _offsets(self) -> array:
        offsets = getattr(self, "_offset_cache", None)
        if offsets is None:
            offsets = array("q", itertools.accumulate(self.following_count, initial=0))
            self._offset_cache = offsets
        return offsets

    def most_followed(self, n: int) -> list[tuple[int, int]]:
        """The n most followed users as (user, followers)."""
        ranked = sorted(range(self.users), key=lambda u: -self.followers_count[u])
        return [(u, self.followers_count[u]) for u in ranked[:n]]

    def readers_following_about(self, target: int, n: int, seed: int) -> list[int]:
        """Up to n users whose following count is closest to target (ties broken by seed)."""
        rng = random.Random(seed)
        candidates = [u for u in range(self.users) if self.following_count[u] > 0]
        rng.shuffle(candidates)
        candidates.sort(key=lambda u: abs(self.following_count[u] - target))
        return candidates[:n]

    def summary(self) -> dict[str, object]:
        followers = sorted(self.followers_count, reverse=True)
        following = sorted(self.following_count)
        return {
            "users": self.users,
            "follows": len(self.follower),
            "tweets": len(self.tweet_author),
            "max_followers": followers[0],
            "top10_followers": followers[:10],
            "median_followers": followers[len(followers) // 2],
            "median_following": following[len(following) // 2],
            "p99_following": following[int(len(following) * 0.99)],
            "max_following": following[-1],
        }


def generate(spec: GraphSpec, progress=None) -> SocialGraph:
    if spec.users < 2:
        raise ValueError("a social graph needs at least two users")
    cap = min(spec.max_following, spec.users - 1)
    if spec.follows > spec.users * cap:
        raise ValueError(f"{spec.follows} follows cannot fit {spec.users} users following at most {cap} each")
    rng = random.Random(spec.seed)

    popularity = list(range(spec.users))  # popularity[rank] = user
    rng.shuffle(popularity)
    cum_weights = list(itertools.accumulate(1.0 / (rank + 1) ** spec.zipf_exponent for rank in range(spec.users)))

    following_count = _following_counts(rng, spec.users, spec.follows, cap, spec.following_alpha)
    follower = array("I")
    followee = array("I")
    followers_count = array("I", bytes(4 * spec.users))
    done = 0
    for user in range(spec.users):
        chosen = _distinct_followees(rng, user, following_count[user], popularity, cum_weights)
        follower.extend(itertools.repeat(user, len(chosen)))
        followee.extend(chosen)
        for v in chosen:
            followers_count[v] += 1
        done += len(chosen)
        if progress is not None and user % 2000 == 0:
            progress(done, spec.follows)
    if progress is not None:
        progress(done, spec.follows)

    tweet_author = array("I", (rng.randrange(spec.users) for _ in range(spec.tweets)))
    return SocialGraph(spec, follower, followee, following_count, followers_count, tweet_author)


def _following_counts(rng: random.Random, users: int, total: int, cap: int, alpha: float) -> array:
    raw = [rng.paretovariate(alpha) for _ in range(users)]
    scale = total / sum(raw)
    counts = array("I", (min(cap, int(r * scale)) for r in raw))
    missing = total - sum(counts)
    while missing > 0:  # hand out what flooring and the cap took away, one edge at a time
        u = rng.randrange(users)
        if counts[u] < cap:
            counts[u] += 1
            missing -= 1
    return counts


def _distinct_followees(
    rng: random.Random, user: int, count: int, popularity: list[int], cum_weights: list[float]
) -> list[int]:
    chosen: dict[int, None] = {}  # insertion ordered, for determinism
    while len(chosen) < count:
        for rank in rng.choices(range(len(popularity)), cum_weights=cum_weights, k=2 * (count - len(chosen)) + 4):
            v = popularity[rank]
            if v != user and v not in chosen:
                chosen[v] = None
                if len(chosen) == count:
                    break
    return list(chosen)
