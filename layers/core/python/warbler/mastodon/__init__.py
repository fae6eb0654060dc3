"""The Mastodon-compatible client API: an edge over Warbler's own domain code.

- ``scopes``: Mastodon's OAuth scopes and which granted scope covers which required one.
- ``store``: every DynamoDB/Redis command of the edge (apps, authorization codes, tokens).
- ``oauth``: the OAuth 2 rules (grants, PKCE, revocation, token checks).
- ``entities``: the one place a Warbler view becomes a Mastodon entity (Account, Status, ...).
- ``edge``: request parsing (form or JSON, ``key[]`` arrays), the caller and its scopes, the
  ``{"error": ...}`` envelope, Link headers.
- ``instance``: the instance, NodeInfo and OAuth discovery documents.

No product rule lives here: posting, timelines, likes, follows and notifications are the
native modules' functions, called with translated arguments.
"""
