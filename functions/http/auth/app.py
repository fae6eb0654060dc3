"""Sign-up and login: the only routes without a token."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from warbler import api, users
from warbler import api_models as m
from warbler.segments import lifecycle
from warbler.settings import Settings

Handle = Annotated[str, Field(pattern=api.HANDLE_PATTERN, description="1-15 letters, digits or underscores")]

app = api.make_app()


class SignUp(BaseModel):
    handle: Handle
    password: Annotated[
        str,
        Field(
            min_length=Settings.password_min_length,
            max_length=256,
            # Cognito's own rule: no whitespace at either end, one line.
            pattern="^\\S[^\\r\\n\\x85\\u2028\\u2029]*\\S$",
            description=f"{Settings.password_min_length}-256 characters, not starting or ending with a space",
        ),
    ]
    display_name: api.DisplayName | None = None


class LogIn(BaseModel):
    handle: Handle
    password: Annotated[str, Field(min_length=1, max_length=256)]


SESSION_LINKS = {
    "Me": {"operationId": "getMe"},
    "Profile": {"operationId": "getUser", "parameters": {"handle": "$response.body#/user/handle"}},
}


@app.post(
    "/auth/signup",
    operation_id="signUp",
    status_code=201,
    responses={
        201: m.ok(
            m.Session,
            "Signed up and logged in",
            {
                **SESSION_LINKS,
                "LogIn": {
                    "operationId": "logIn",
                    "requestBody": {"handle": "$request.body#/handle", "password": "$request.body#/password"},
                },
            },
        )
    },
)
def sign_up(body: SignUp):
    user, token = users.sign_up(body.handle, body.password, body.display_name)
    return {"user": user, "token": token}, 201


@app.post("/auth/login", operation_id="logIn", responses={200: m.ok(m.Session, "Logged in", SESSION_LINKS)})
def log_in(body: LogIn):
    user, token = lifecycle.log_in(body.handle, body.password)  # a soft-deleted account comes back
    return {"user": user, "token": token}


lambda_handler = api.rest_handler(app)
