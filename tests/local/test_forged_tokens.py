"""The forged-token suite (drill/tokens.py) against the REST API and the WebSocket $connect:
every forgery is a 401; the genuine token beside them is accepted, so the suite can fail."""

from __future__ import annotations

import pytest
import requests
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from drill import tokens


@pytest.fixture(scope="module")
def pool(local_stack) -> tokens.Pool:
    return tokens.pool_of(local_stack, local_stack.id_token("forger"))


@pytest.fixture(scope="module")
def forged(pool) -> dict[str, str]:
    return tokens.forge_all(pool, victim="victim")


def home(local_stack, token: str) -> requests.Response:
    return requests.get(f"{local_stack.rest_url}/timelines/home", headers={"Authorization": f"Bearer {token}"})


def ws_status(local_stack, token: str) -> int:
    try:
        with connect(f"{local_stack.ws_url}/?token={token}", open_timeout=10):
            pass
    except InvalidStatus as exc:
        return exc.response.status_code
    return 101


def test_the_genuine_token_is_accepted_by_both_apis(local_stack, pool):
    assert home(local_stack, pool.valid_token).status_code == 200
    assert ws_status(local_stack, pool.valid_token) == 101


@pytest.mark.parametrize("forgery", sorted(tokens.FORGERIES))
def test_a_forged_token_is_401_on_rest(local_stack, forged, forgery):
    response = home(local_stack, forged[forgery])
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("forgery", sorted(tokens.FORGERIES))
def test_a_forged_token_is_401_on_websocket_connect(local_stack, forged, forgery):
    assert ws_status(local_stack, forged[forgery]) == 401
