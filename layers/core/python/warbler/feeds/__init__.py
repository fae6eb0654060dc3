"""Feeds: the one owner of every timeline rule (Mastodon's ``FeedManager`` is the model).

- ``entries``  what a timeline holds (entries, the ``Op`` enum) and the rules' parameters (``RULES``)
- ``manager``  every write: fan-out planning and delivery with its live push, famous skip and
               promotion, reply filter, merge/unmerge on follow, read-your-writes
- ``reads``    home and user timeline reads: famous merge at read, passive rebuild, paging
- ``store``    every Redis and DynamoDB command of the feeds, and the fan-out Lua
"""
