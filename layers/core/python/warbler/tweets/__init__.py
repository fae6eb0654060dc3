"""Tweets.

- ``write``  posting (plain, reply, quote) and deleting
- ``views``  hydration of timeline entries and tweet ids into views; one tweet, replies, context, likes
- ``store``  the tweets table and the record cache (with its tombstones)

Modules, not a facade: ``write`` depends on ``warbler.engagement.toggle`` and ``warbler.feeds``,
which depend on ``views``; keeping them apart keeps the import graph acyclic.
"""
