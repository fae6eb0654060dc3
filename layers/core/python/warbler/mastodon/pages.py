"""The OAuth sign-in and consent page, and the out-of-band code page: small, accessible HTML
(labelled fields, one heading, errors announced), no scripts, everything escaped."""

from __future__ import annotations

from html import escape

from warbler.mastodon.oauth import AuthorizationRequest

_STYLE = (
    "body{font:16px/1.5 system-ui,sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem}"
    "label{display:block;margin-top:1rem}input{font:inherit;width:100%;padding:.4rem}"
    "button{font:inherit;margin:1rem .5rem 0 0;padding:.4rem 1rem}"
    "[role=alert]{color:#a00;border:1px solid;padding:.5rem}code{font-size:1.2rem;word-break:break-all}"
)


def _page(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} · Warbler</title><style>{_STYLE}</style></head>"
        f"<body><main>{body}</main></body></html>"
    )


def sign_in(request: AuthorizationRequest, action: str, error: str | None = None, handle: str = "") -> str:
    hidden = {
        "client_id": request.app.client_id,
        "redirect_uri": request.redirect_uri,
        "scope": " ".join(request.scopes),
        "state": request.state or "",
        "code_challenge": request.code_challenge or "",
        "code_challenge_method": request.code_challenge_method or "",
        "response_type": "code",
    }
    fields = "".join(f'<input type="hidden" name="{k}" value="{escape(v)}">' for k, v in hidden.items() if v)
    scopes = "".join(f"<li><code>{escape(s)}</code></li>" for s in request.scopes)
    alert = f'<p role="alert">{escape(error)}</p>' if error else ""
    body = (
        f"<h1>Authorize {escape(request.app.name)}</h1>{alert}"
        f"<p><strong>{escape(request.app.name)}</strong> asks to use your Warbler account with these permissions:</p>"
        f"<ul>{scopes}</ul>"
        f'<form method="post" action="{escape(action)}">{fields}'
        '<label for="username">Handle</label>'
        f'<input id="username" name="username" autocomplete="username" required value="{escape(handle)}">'
        '<label for="password">Password</label>'
        '<input id="password" name="password" type="password" autocomplete="current-password" required>'
        '<button type="submit" name="decision" value="approve">Authorize</button>'
        '<button type="submit" name="decision" value="deny" formnovalidate>Deny</button>'
        "</form>"
    )
    return _page(f"Authorize {request.app.name}", body)


def out_of_band_code(app_name: str, code: str) -> str:
    body = (
        "<h1>Authorization code</h1>"
        f"<p>Copy this code and paste it into {escape(app_name)}:</p>"
        f'<p><code id="code">{escape(code)}</code></p>'
    )
    return _page("Authorization code", body)


def failure(message: str) -> str:
    return _page("Authorization failed", f'<h1>Authorization failed</h1><p role="alert">{escape(message)}</p>')
