"""Sign-up and login: the only routes without a token."""

from __future__ import annotations

from pydantic import BaseModel

from warbler import api, users

app = api.make_app()


class SignUp(BaseModel):
    handle: str
    password: str
    display_name: str | None = None


class LogIn(BaseModel):
    handle: str
    password: str


@app.post("/auth/signup")
def sign_up(body: SignUp):
    user, token = users.sign_up(body.handle, body.password, body.display_name)
    return {"user": user, "token": token}, 201


@app.post("/auth/login")
def log_in(body: LogIn):
    user, token = users.log_in(body.handle, body.password)
    return {"user": user, "token": token}


lambda_handler = api.rest_handler(app)
