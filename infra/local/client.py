"""A small HTTP client of the REST API, as an app would use it: the tests and the benchmark
drive the local gateway with it (it lives here, not in tests/, so bench/ never imports tests/)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import requests

_counter = itertools.count()


def unique_handle(prefix: str = "u") -> str:
    import os

    return f"{prefix}{os.getpid() % 1000}_{next(_counter)}"[:15]


@dataclass
class Account:
    api: Api
    user: dict
    token: str

    @property
    def id(self) -> str:
        return self.user["id"]

    @property
    def handle(self) -> str:
        return self.user["handle"]

    def call(self, method: str, path: str, **kw) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token}", **kw.pop("headers", {})}
        return self.api.session.request(method, self.api.url + path, headers=headers, timeout=30, **kw)

    def post(self, text: str, **kw) -> dict:
        r = self.call("POST", "/tweets", json={"text": text, **kw})
        assert r.status_code == 201, r.text
        return r.json()

    def follow(self, other: Account) -> None:
        r = self.call("POST", f"/users/{other.handle}/follow")
        assert r.status_code == 200, r.text

    def unfollow(self, other: Account) -> None:
        r = self.call("DELETE", f"/users/{other.handle}/follow")
        assert r.status_code == 200, r.text

    def home(self, **params) -> dict:
        r = self.call("GET", "/timelines/home", params=params)
        assert r.status_code == 200, r.text
        return r.json()

    def home_ids(self, **params) -> list[str]:
        return [t["id"] for t in self.home(**params)["items"]]


@dataclass
class Api:
    url: str

    def __post_init__(self) -> None:
        self.session = requests.Session()

    def signup(self, handle: str | None = None, password: str = "correct horse", **extra) -> Account:
        handle = handle or unique_handle()
        r = self.session.post(
            self.url + "/auth/signup", json={"handle": handle, "password": password, **extra}, timeout=30
        )
        assert r.status_code == 201, r.text
        body = r.json()
        return Account(self, body["user"], body["token"])
