"""The simulator's LINE Login: what its authorize page refuses as LINE does, and the token
endpoint's answers (codes single use and expiring, PKCE, client credentials, the ID
token's claims and signature)."""

from __future__ import annotations

import base64
import hashlib
import time
from urllib.parse import parse_qsl, urlsplit

import pytest
from joserfc import jwt
from joserfc.jwk import OctKey

from bot.config import SIMULATOR_LOGIN_CHANNEL_ID as CHANNEL
from bot.config import SIMULATOR_LOGIN_CHANNEL_SECRET as SECRET
from simulator.login import AUTHORIZE, TOKEN

VERIFIER = "v" * 50
CHALLENGE = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).rstrip(b"=")
CALLBACK = "http://localhost/console/sign-in/callback"
GOOD = {"response_type": "code", "client_id": CHANNEL, "redirect_uri": CALLBACK,
        "state": "s1", "scope": "openid profile", "nonce": "n1",
        "code_challenge": CHALLENGE.decode(), "code_challenge_method": "S256"}


@pytest.fixture
def hanako(store) -> str:
    store.add_user("U" + "a" * 32, "山田花子", "ja")
    return "U" + "a" * 32


def code_for(client, user: str, **changes: str) -> str:
    answer = client.post("/simulator" + AUTHORIZE, data={**GOOD, **changes, "user": user})
    assert answer.status_code == 302
    back = dict(parse_qsl(urlsplit(answer.headers["Location"]).query))
    assert back["state"] == GOOD["state"]
    return back["code"]


def exchange(client, code: str, **changes: str):
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK,
            "client_id": CHANNEL, "client_secret": SECRET, "code_verifier": VERIFIER}
    return client.post("/simulator" + TOKEN, data={**form, **changes})


def test_the_authorize_page_lists_the_simulated_users(client, hanako):
    page = client.get("/simulator" + AUTHORIZE, query_string=GOOD)
    assert page.status_code == 200 and "山田花子" in page.get_data(as_text=True)


@pytest.mark.parametrize("change", [
    {"client_id": "999"}, {"state": ""}, {"scope": "profile"},
    {"code_challenge_method": "plain"}, {"response_type": "token"},
    {"redirect_uri": "https://evil.example/callback"},
])
def test_the_authorize_page_refuses_what_line_refuses(client, change):
    assert client.get("/simulator" + AUTHORIZE,
                      query_string={**GOOD, **change}).status_code == 400


def test_a_cancelled_sign_in_goes_back_with_access_denied(client, hanako):
    answer = client.post("/simulator" + AUTHORIZE, data={**GOOD, "cancel": "1"})
    back = dict(parse_qsl(urlsplit(answer.headers["Location"]).query))
    assert back["error"] == "access_denied" and back["state"] == "s1" and "code" not in back


def test_the_token_answer_is_line_s_with_a_signed_id_token(client, hanako):
    answer = exchange(client, code_for(client, hanako))
    assert answer.status_code == 200
    body = answer.get_json()
    assert set(body) == {"access_token", "expires_in", "id_token", "refresh_token", "scope",
                         "token_type"}
    assert body["token_type"] == "Bearer" and body["scope"] == "openid profile"
    token = jwt.decode(body["id_token"], OctKey.import_key(SECRET.encode()))
    assert token.header["alg"] == "HS256"
    claims = token.claims
    assert claims["iss"] == "https://access.line.me" and claims["sub"] == hanako
    assert claims["aud"] == CHANNEL and claims["nonce"] == "n1" and claims["name"] == "山田花子"
    assert claims["iat"] <= time.time() < claims["exp"]


def test_a_code_works_once(client, hanako):
    code = code_for(client, hanako)
    assert exchange(client, code).status_code == 200
    again = exchange(client, code)
    assert again.status_code == 400 and again.get_json()["error"] == "invalid_grant"


def test_a_code_expires_after_ten_minutes(client, hanako, store):
    code = code_for(client, hanako)
    assert 590 <= store.redis.ttl(store.k("login", "code", code)) <= 600


@pytest.mark.parametrize("change", [
    {"code_verifier": "w" * 50}, {"redirect_uri": "http://localhost/other"},
])
def test_the_code_is_bound_to_its_verifier_and_redirect_uri(client, hanako, change):
    answer = exchange(client, code_for(client, hanako), **change)
    assert answer.status_code == 400 and answer.get_json()["error"] == "invalid_grant"


@pytest.mark.parametrize("change", [{"client_secret": "wrong"}, {"client_id": "42"}])
def test_the_client_must_prove_who_it_is(client, hanako, change):
    answer = exchange(client, code_for(client, hanako), **change)
    assert answer.status_code == 401 and answer.get_json()["error"] == "invalid_client"
