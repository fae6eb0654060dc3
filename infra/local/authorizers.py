"""What API Gateway does with a Lambda TOKEN authorizer (``catalog.AUTHORIZERS``).

For a route whose ``authorizer`` names one: no ``Authorization`` header is a 401 without a call;
otherwise the authorizer function gets ``{"type": "TOKEN", "authorizationToken", "methodArn"}``.
It raising ``Exception("Unauthorized")`` is a 401; any other failure or a malformed answer is a
500; a policy that does not allow the method ARN is a 403. An allowing answer is cached per
(authorizer, token) for ``cache_seconds``, as API Gateway caches it, and its ``principalId`` and
``context`` become ``requestContext.authorizer`` of the proxy event.
"""

from __future__ import annotations

import fnmatch
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from infra import catalog
from infra.local.functions import FunctionRegistry

log = logging.getLogger(__name__)


class AuthorizerDenied(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _allows(policy: Any, method_arn: str) -> bool:
    statements = (policy or {}).get("Statement") or []
    if isinstance(statements, dict):
        statements = [statements]

    def matches(statement: dict) -> bool:
        resources = statement.get("Resource") or []
        resources = [resources] if isinstance(resources, str) else resources
        return any(fnmatch.fnmatchcase(method_arn, r) for r in resources)

    if any(s.get("Effect") == "Deny" and matches(s) for s in statements):
        return False
    return any(s.get("Effect") == "Allow" and matches(s) for s in statements)


class LambdaAuthorizers:
    def __init__(
        self,
        registry: FunctionRegistry,
        authorizers: tuple[catalog.Authorizer, ...] = catalog.AUTHORIZERS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.registry = registry
        self.specs = {a.name: a for a in authorizers}
        self.functions = {a.name: catalog.authorizer(a.name)[1].name for a in authorizers}
        self._clock = clock
        self._cache: dict[tuple[str, str], tuple[float, dict, dict]] = {}
        self._lock = threading.Lock()
        self.invocations = 0  # how often a function was really called (the cache's effect)

    def authorize(self, name: str, header: str | None, method_arn: str) -> dict[str, Any]:
        """``requestContext.authorizer`` for this request, or ``AuthorizerDenied``."""
        spec = self.specs.get(name)
        if spec is None:
            raise AuthorizerDenied(500, f"no authorizer {name!r}")
        token = (header or "").strip()
        if not token:
            raise AuthorizerDenied(401, "Unauthorized")
        now = self._clock()
        with self._lock:
            cached = self._cache.get((name, token))
        if cached is not None and cached[0] > now:
            _, policy, context = cached
        else:
            policy, context = self._invoke(self.functions[name], token, method_arn)
            with self._lock:
                self._cache[(name, token)] = (now + spec.cache_seconds, policy, context)
        if not _allows(policy, method_arn):
            raise AuthorizerDenied(403, "User is not authorized to access this resource")
        return context

    def _invoke(self, function: str, token: str, method_arn: str) -> tuple[dict, dict]:
        event = {"type": "TOKEN", "authorizationToken": token, "methodArn": method_arn}
        self.invocations += 1
        try:
            answer = self.registry.invoke(function, event)
        except Exception as exc:
            if str(exc) == "Unauthorized":
                raise AuthorizerDenied(401, "Unauthorized") from None
            log.exception("authorizer %s failed", function)
            raise AuthorizerDenied(500, "Authorizer error") from None
        if not isinstance(answer, dict) or "policyDocument" not in answer or "principalId" not in answer:
            log.error("authorizer %s answered %r", function, answer)
            raise AuthorizerDenied(500, "Authorizer error")
        context = {str(k): v for k, v in (answer.get("context") or {}).items()}
        context["principalId"] = str(answer["principalId"])
        return answer["policyDocument"], context
