"""Idempotency-Key support for writes, on Powertools' DynamoDB persistence layer.

The key is scoped to the caller, so two users can pick the same key; the request body is
validated against the stored one, so reusing a key for a different request is an error rather
than a silent replay of the wrong response."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)

from warbler.errors import Conflict, InvalidInput
from warbler.settings import get_settings

MAX_KEY_LENGTH = 255


@lru_cache(maxsize=1)
def _store() -> DynamoDBPersistenceLayer:
    return DynamoDBPersistenceLayer(table_name=get_settings().idempotency_table)


def once_per_key(operation: Callable[[dict], Any]) -> Callable[..., Any]:
    """Wrap ``operation(request)`` so that (caller, key) runs it at most once and replays its result."""
    config = IdempotencyConfig(
        event_key_jmespath="[caller, key]",
        payload_validation_jmespath="payload",
        expires_after_seconds=24 * 3600,
        raise_on_no_idempotency_key=True,
    )
    guarded = None

    def run(caller_id: str, key: str | None, payload: dict, context: Any = None) -> Any:
        nonlocal guarded
        if not key:
            return operation({"caller": caller_id, "payload": payload})
        if len(key) > MAX_KEY_LENGTH:
            raise InvalidInput(f"Idempotency-Key is limited to {MAX_KEY_LENGTH} characters")
        if guarded is None:
            guarded = idempotent_function(data_keyword_argument="request", config=config, persistence_store=_store())(
                lambda request: operation(request)
            )
        if context is not None:
            config.register_lambda_context(context)  # stale in-progress records expire with the invocation
        try:
            return guarded(request={"caller": caller_id, "key": key, "payload": payload})
        except IdempotencyValidationError:
            raise InvalidInput("Idempotency-Key was already used for a different request") from None
        except IdempotencyAlreadyInProgressError:
            raise Conflict("a request with this Idempotency-Key is still in progress") from None

    return run
