"""Short links: the key generation service, link extraction and the redirect (README "Links")."""
