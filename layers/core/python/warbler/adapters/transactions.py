"""DynamoDB writes that commit together, and the one reading of "which condition failed".

``transaction()`` opens a ``TransactWrite`` on the models' connection (every table is in the
same account and region). ``failed_conditions(error)`` answers which items were refused because
their condition did not hold, for a transaction (the cancellation reasons, by item index) and
for a single conditional write alike (``{0}``), so no caller parses ``ConditionalCheckFailed``
itself.
"""

from __future__ import annotations

from pynamodb.exceptions import PynamoDBException, TransactWriteError
from pynamodb.transactions import TransactWrite

from warbler.adapters.dynamo import UserModel

_TRANSACTION_CODE = "ConditionalCheckFailed"
_SINGLE_CODE = "ConditionalCheckFailedException"


def transaction() -> TransactWrite:
    return TransactWrite(connection=UserModel._get_connection().connection)


def failed_conditions(error: PynamoDBException) -> set[int]:
    """The indexes (in the order the items were added) whose condition failed; ``{0}`` for a
    single write whose condition failed; empty when the failure was something else."""
    if isinstance(error, TransactWriteError):
        reasons = getattr(error, "cancellation_reasons", None) or []
        return {i for i, r in enumerate(reasons) if r is not None and r.code == _TRANSACTION_CODE}
    return {0} if getattr(error, "cause_response_code", None) == _SINGLE_CODE else set()
