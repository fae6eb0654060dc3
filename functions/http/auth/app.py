"""Sign-up and login: the only routes without a token."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from warbler import api, users

# Declared once here, so validation and the OpenAPI document agree. pydantic's patterns are
# full matches ("$" is the end of the text, not "before a trailing newline").
Handle = Annotated[str, Field(min_length=1, max_length=15, pattern=r"^[A-Za-z0-9_]+$")]

app = api.make_app()


class SignUp(BaseModel):
    handle: Handle
    password: Annotated[str, Field(min_length=8, max_length=256)]
    display_name: str | None = None


class LogIn(BaseModel):
    handle: Handle
    password: Annotated[str, Field(min_length=1, max_length=256)]


@app.post("/auth/signup")
def sign_up(body: SignUp):
    user, token = users.sign_up(body.handle, body.password, body.display_name)
    return {"user": user, "token": token}, 201


@app.post("/auth/login")
def log_in(body: LogIn):
    user, token = users.log_in(body.handle, body.password)
    return {"user": user, "token": token}


lambda_handler = api.rest_handler(app)
