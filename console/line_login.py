"""The LINE Login client (OpenID Connect authorization code flow), built with Authlib.

Authlib makes the state, the nonce and the PKCE pair (S256), keeps them in the session,
checks the state on the way back, exchanges the code and verifies the ID token: signature
(HS256 with the channel secret, as LINE signs web login's ID tokens), issuer, audience
(the channel id), expiry and nonce.

With the simulator (`CONSOLE_LOGIN == "simulator"`) the same client signs in through the
simulator's LINE Login: the browser goes to this server's /simulator/oauth2/v2.1/authorize,
the token request to LINE_API_BASE_URL (which tests set after start-up, hence read here on
each sign-in).
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app

from bot.config import SIMULATOR_LOGIN_CHANNEL_ID, SIMULATOR_LOGIN_CHANNEL_SECRET

ISSUER = "https://access.line.me"
AUTHORIZE_URL = "https://access.line.me/oauth2/v2.1/authorize"
TOKEN_URL = "https://api.line.me/oauth2/v2.1/token"
SIMULATOR_PATH = "/oauth2/v2.1/"  # under the simulator's /simulator


def init_app(app: Flask) -> None:
    app.extensions["console.oauth"] = OAuth(app)


def channel(config: dict) -> tuple[str, str]:
    """The login channel's id and secret."""
    if config["CONSOLE_LOGIN"] == "simulator":
        return SIMULATOR_LOGIN_CHANNEL_ID, SIMULATOR_LOGIN_CHANNEL_SECRET
    return config["LINE_LOGIN_CHANNEL_ID"], config["LINE_LOGIN_CHANNEL_SECRET"]


def endpoints(config: dict) -> tuple[str, str]:
    """Where the browser is sent to sign in, and where the code is exchanged."""
    if config["CONSOLE_LOGIN"] == "simulator":
        api = str(config["LINE_API_BASE_URL"]).rstrip("/")
        return "/simulator" + SIMULATOR_PATH + "authorize", api + SIMULATOR_PATH + "token"
    return AUTHORIZE_URL, TOKEN_URL


def client() -> Any:
    """This app's LINE Login client, one per token URL (tests move it after start-up)."""
    config = current_app.config
    oauth: OAuth = current_app.extensions["console.oauth"]
    authorize_url, token_url = endpoints(config)
    name = "line_" + hashlib.sha256(token_url.encode()).hexdigest()[:12]
    found = oauth.create_client(name)
    if found is not None:
        return found
    channel_id, secret = channel(config)
    return oauth.register(
        name, client_id=channel_id, client_secret=secret,
        authorize_url=authorize_url, access_token_url=token_url,
        # the provider's metadata (Authlib takes the other keywords as such): the key that
        # checks ID token signatures is the channel secret itself
        issuer=ISSUER, id_token_signing_alg_values_supported=["HS256"],
        jwks={"keys": [{"kty": "oct", "alg": "HS256", "k": _b64url(secret)}]},
        # LINE takes the client's id and secret in the form body, not in a Basic header
        client_kwargs={"scope": "openid profile", "code_challenge_method": "S256",
                       "token_endpoint_auth_method": "client_secret_post",
                       "default_timeout": 10})


def _b64url(secret: str) -> str:
    return base64.urlsafe_b64encode(secret.encode()).rstrip(b"=").decode()
