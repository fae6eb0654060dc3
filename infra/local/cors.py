"""What API Gateway's CORS does for the REST API, locally: the OPTIONS preflight (a mock
integration on AWS) and Access-Control-Allow-Origin on the gateway's own error responses
(gateway responses on AWS), for exactly the web client's origin. The handlers' responses carry
their own header (``warbler.api.with_cors``)."""

from __future__ import annotations

from dataclasses import dataclass

from infra import catalog


@dataclass(frozen=True)
class CorsPolicy:
    origin: str
    client: catalog.WebClient = catalog.WEB

    @staticmethod
    def request_origin(headers: list[tuple[str, str]]) -> str | None:
        return next((v for k, v in headers if k.lower() == "origin"), None)

    def preflight(self, headers: list[tuple[str, str]]) -> tuple[int, list[tuple[str, str]], bytes]:
        if self.request_origin(headers) != self.origin:
            # No Access-Control-Allow-Origin: the browser refuses the real request.
            return 204, [("Vary", "Origin")], b""
        return (
            204,
            [
                ("Access-Control-Allow-Origin", self.origin),
                ("Access-Control-Allow-Headers", ",".join(self.client.cors_allow_headers)),
                ("Access-Control-Allow-Methods", ",".join(self.client.cors_allow_methods)),
                ("Access-Control-Max-Age", str(self.client.cors_max_age_seconds)),
                ("Vary", "Origin"),
            ],
            b"",
        )

    def decorate(self, request: list[tuple[str, str]], response: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """Add Access-Control-Allow-Origin to a response that lacks it, for the allowed origin."""
        if self.request_origin(request) != self.origin:
            return response
        if any(k.lower() == "access-control-allow-origin" for k, _ in response):
            return response
        return [*response, ("Access-Control-Allow-Origin", self.origin), ("Vary", "Origin")]
