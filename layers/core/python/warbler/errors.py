"""Domain exceptions. ``warbler.api`` maps them to HTTP in one place; nothing else knows status codes."""

from __future__ import annotations


class WarblerError(Exception):
    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadRequest(WarblerError):
    code = "bad_request"


class InvalidCursor(BadRequest):
    """A cursor this API did not issue for this list and caller (warbler.pagination)."""

    code = "invalid_cursor"


class Unauthorized(WarblerError):
    code = "unauthorized"


class Forbidden(WarblerError):
    code = "forbidden"


class NotFound(WarblerError):
    code = "not_found"


class Conflict(WarblerError):
    code = "conflict"


class PayloadTooLarge(WarblerError):
    code = "payload_too_large"


class InvalidInput(WarblerError):
    code = "invalid"


class RateLimited(WarblerError):
    code = "rate_limited"


class MediaRefused(WarblerError):
    """Media a tweet may not attach: a 404 or 409 natively, a 422 on the Mastodon edge (as
    Mastodon's ValidationError)."""


class MediaNotFound(NotFound, MediaRefused):
    pass


class MediaNotAttachable(Conflict, MediaRefused):
    pass
