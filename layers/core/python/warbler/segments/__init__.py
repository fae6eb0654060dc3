"""User segments: famous, live, active, passive and inactive, and the lifecycle between them.

- ``rules``: each segment's rule, defined once (pure functions of a user's followers, open
  connections and last-seen time), and the last-seen-day buckets of the users table's sparse
  ``by_seen_day`` index.
- ``lifecycle``: the daily segmenter (who crossed into *inactive*: soft-deleted), the return of a
  soft-deleted account at sign-in, and the segment counts (``GET /admin/segments``, the reports).

Their commands are in ``segments.store``.
"""
