"""LINE Login v2.1, as the console signs in with it: the authorization code flow of OpenID
Connect with state, nonce and PKCE (S256).

- `GET /simulator/oauth2/v2.1/authorize` (access.line.me): checks LINE's parameters and
  shows a page where you pick one of the simulated users; `POST` on the same path signs in
  as the picked user and sends the browser back to `redirect_uri` with a code and the state.
- `POST /simulator/oauth2/v2.1/token` (api.line.me): exchanges the code, single use and
  valid ten minutes, for LINE's answer: access token, refresh token, scope and an ID token
  signed HS256 with the channel secret, as LINE signs the ID tokens of web login.

The simulator has one login channel of its own (bot.config's SIMULATOR_LOGIN_*): a console
without a real login channel signs in here, so `make run` needs no LINE account.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Mapping
from urllib.parse import urlencode, urlsplit

from flask import Response, jsonify, redirect, render_template, request

from bot.config import SIMULATOR_LOGIN_CHANNEL_ID, SIMULATOR_LOGIN_CHANNEL_SECRET
from simulator.blueprint import bp
from simulator.store import get_store

AUTHORIZE = "/oauth2/v2.1/authorize"
TOKEN = "/oauth2/v2.1/token"
ISSUER = "https://access.line.me"
CODE_SECONDS = 600  # LINE: an authorization code is valid for 10 minutes
ACCESS_TOKEN_SECONDS = 30 * 86_400  # LINE: 30 days
ID_TOKEN_SECONDS = 3_600
AUTHORIZE_PARAMS = ("response_type", "client_id", "redirect_uri", "state", "scope", "nonce",
                    "code_challenge", "code_challenge_method")


# -- authorize (the browser) ----------------------------------------------------------------


def authorize_problem(params: Mapping[str, str]) -> str | None:
    """What LINE would refuse in an authorization request, or None."""
    if params.get("client_id") != SIMULATOR_LOGIN_CHANNEL_ID:
        return "invalid client_id"
    redirect_uri = params.get("redirect_uri") or ""
    parts = urlsplit(redirect_uri)
    # the simulator's channel has one callback host registered: this server's
    if parts.scheme not in ("http", "https") or parts.netloc != request.host:
        return "redirect_uri does not match the callback URL registered for the channel"
    if params.get("response_type") != "code":
        return "response_type must be code"
    if not params.get("state"):
        return "state is required"
    if "openid" not in (params.get("scope") or "").split():
        return "scope must include openid"
    if params.get("code_challenge") and params.get("code_challenge_method") != "S256":
        return "code_challenge_method must be S256"
    return None


@bp.get(AUTHORIZE)
def login_authorize() -> str | tuple[str, int]:
    problem = authorize_problem(request.args)
    if problem:
        return render_template("simulator_login.html", problem=problem), 400
    params = {k: request.args[k] for k in AUTHORIZE_PARAMS if request.args.get(k)}
    return render_template("simulator_login.html", params=params,
                           users=get_store().users())


@bp.post(AUTHORIZE)
def login_as() -> Response | tuple[str, int]:
    problem = authorize_problem(request.form)
    if problem:
        return render_template("simulator_login.html", problem=problem), 400
    back = {"state": request.form["state"]}
    user_id = request.form.get("user") or ""
    if request.form.get("cancel") or not get_store().has_user(user_id):
        back.update(error="access_denied", error_description="The user has denied")
    else:
        back["code"] = _issue_code(user_id, request.form)
    return redirect(request.form["redirect_uri"] + "?" + urlencode(back))


def _issue_code(user_id: str, form: Mapping[str, str]) -> str:
    code = secrets.token_urlsafe(20)
    grant = {"user": user_id, "redirect_uri": form["redirect_uri"],
             "scope": form.get("scope", ""), "nonce": form.get("nonce"),
             "code_challenge": form.get("code_challenge")}
    store = get_store()
    store.redis.set(store.k("login", "code", code), json.dumps(grant), ex=CODE_SECONDS)
    return code


# -- token (the server) ---------------------------------------------------------------------


def _refuse(error: str, description: str, status: int = 400) -> tuple[Response, int]:
    return jsonify(error=error, error_description=description), status


@bp.post(TOKEN)
def login_token() -> Response | tuple[Response, int]:
    form = request.form
    if form.get("grant_type") != "authorization_code":
        return _refuse("unsupported_grant_type", "grant_type must be authorization_code")
    if form.get("client_id") != SIMULATOR_LOGIN_CHANNEL_ID or not hmac.compare_digest(
            (form.get("client_secret") or "").encode(), SIMULATOR_LOGIN_CHANNEL_SECRET.encode()):
        return _refuse("invalid_client", "invalid client_id or client_secret", 401)
    grant = _take_code(form.get("code") or "")
    if grant is None:
        return _refuse("invalid_grant", "invalid authorization code")
    if form.get("redirect_uri") != grant["redirect_uri"]:
        return _refuse("invalid_grant", "redirect_uri does not match")
    if grant.get("code_challenge") and not _verifier_matches(
            form.get("code_verifier") or "", grant["code_challenge"]):
        return _refuse("invalid_grant", "invalid code_verifier")
    return _tokens(grant)


def _take_code(code: str) -> dict | None:
    """The code's grant, deleted as it is read: a code works once, whatever the outcome."""
    store = get_store()
    with store.redis.pipeline() as pipe:  # MULTI: no second reader between GET and DEL
        pipe.get(store.k("login", "code", code))
        pipe.delete(store.k("login", "code", code))
        found, _ = pipe.execute()
    return json.loads(found) if found else None


def _verifier_matches(verifier: str, challenge: str) -> bool:
    digest = hashlib.sha256(verifier.encode()).digest()
    expected = base64.urlsafe_b64encode(digest).rstrip(b"=")
    return hmac.compare_digest(expected, challenge.encode())


def _tokens(grant: dict) -> Response:
    profile = get_store().profile(grant["user"]) or {"displayName": ""}
    now = int(time.time())
    claims = {"iss": ISSUER, "sub": grant["user"], "aud": SIMULATOR_LOGIN_CHANNEL_ID,
              "exp": now + ID_TOKEN_SECONDS, "iat": now, "amr": ["linesso"],
              "name": profile.get("displayName", ""), "picture": profile.get("pictureUrl", "")}
    if grant.get("nonce"):
        claims["nonce"] = grant["nonce"]
    return jsonify(access_token=secrets.token_urlsafe(32), expires_in=ACCESS_TOKEN_SECONDS,
                   id_token=sign_id_token(claims), refresh_token=secrets.token_urlsafe(20),
                   scope=grant["scope"], token_type="Bearer")


def sign_id_token(claims: dict, secret: str = SIMULATOR_LOGIN_CHANNEL_SECRET) -> str:
    """A JWT signed HS256 with the channel secret (JWS compact serialisation, RFC 7515), as
    LINE signs the ID tokens of web login. Made with the standard library: every process in
    simulator mode loads the simulator, and a JOSE library would weigh about 11 MB in each;
    the console verifies tokens with Authlib."""
    header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    payload = _b64url(json.dumps(claims, separators=(",", ":")).encode())
    signature = hmac.new(secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256)
    return f"{header}.{payload}.{_b64url(signature.digest())}"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
