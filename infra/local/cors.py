"""What API Gateway's CORS does for the REST API, locally: the OPTIONS preflight (a mock
integration on AWS) and Access-Control-Allow-Origin on the gateway's own error responses
(gateway responses on AWS: ``*``, see ``RestGateway.gateway_error``). Preflights follow two
rules: the Mastodon client paths (``catalog.ANY_ORIGIN_CORS``) are open to any origin, as
Mastodon's are; every other path to exactly the web client's origin. The handlers' responses
carry their own header (``warbler.api.with_cors``, ``warbler.mastodon.cors``)."""

from __future__ import annotations

from dataclasses import dataclass

from infra import catalog

Headers = list[tuple[str, str]]


@dataclass(frozen=True)
class CorsPolicy:
    origin: str
    client: catalog.WebClient = catalog.WEB
    any_origin: catalog.AnyOriginCors = catalog.ANY_ORIGIN_CORS

    @staticmethod
    def request_origin(headers: Headers) -> str | None:
        return next((v for k, v in headers if k.lower() == "origin"), None)

    def preflight(self, path: str, headers: Headers) -> tuple[int, Headers, bytes]:
        if self.any_origin.covers(path):
            rule = self.any_origin
            return (
                204,
                [
                    ("Access-Control-Allow-Origin", "*"),
                    ("Access-Control-Allow-Headers", ",".join(rule.allow_headers)),
                    ("Access-Control-Allow-Methods", ",".join(rule.allow_methods)),
                    ("Access-Control-Max-Age", str(rule.max_age_seconds)),
                ],
                b"",
            )
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

    def decorate(self, request: Headers, response: Headers) -> Headers:
        """Add Access-Control-Allow-Origin to a response that lacks it, for the allowed origin."""
        if any(k.lower() == "access-control-allow-origin" for k, _ in response):
            return response
        if self.request_origin(request) != self.origin:
            return response
        return [*response, ("Access-Control-Allow-Origin", self.origin), ("Vary", "Origin")]
