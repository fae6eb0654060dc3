"""Likes and retweets, between the tweet store and the views.

- ``toggle``  like / unlike / retweet / unretweet: one toggle; and a deleted tweet's engagements going with it
- ``flags``   which tweets of a page the caller liked or retweeted (read by ``warbler.tweets.views``)
- ``store``   the engagements table and the per-user flag cache (with its Lua)
"""
