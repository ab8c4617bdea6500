"""The console's test helpers: `ConsoleBrowser`, which signs in through the simulator's
LINE Login with Flask's test client and posts forms with their CSRF token, as a browser
would; `audited`, the audit log's rows of one action; `png`, a logo to upload."""

from __future__ import annotations

import io
import re
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from PIL import Image, PngImagePlugin
from sqlalchemy import select

from bot.db import session_scope
from models.users import AuditLog

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class ConsoleBrowser:
    """One browser (its own cookies) on the console."""

    def __init__(self, app: Any, line_user_id: str | None = None, *,
                 https: bool = False) -> None:
        self.app = app
        self.client = app.test_client()
        self.base_url = "https://localhost" if https else "http://localhost"
        self.line_user_id = line_user_id

    # -- signing in, step by step -----------------------------------------------------------

    def authorize_url(self) -> str:
        """Press "Sign in with LINE": where the console sends the browser."""
        response = self.client.get("/console/sign-in/line", base_url=self.base_url)
        assert response.status_code == 302, response.status_code
        return response.headers["Location"]

    def pick_user(self, authorize_url: str, line_user_id: str | None = None) -> str:
        """On the simulated LINE Login page, pick the user; returns the callback URL."""
        parts = urlsplit(authorize_url)
        form = dict(parse_qsl(parts.query), user=line_user_id or self.line_user_id)
        response = self.client.post(parts.path, data=form, base_url=self.base_url)
        assert response.status_code == 302, response.get_data(as_text=True)
        return response.headers["Location"]

    def callback(self, url: str) -> Any:
        parts = urlsplit(url)
        return self.client.get(f"{parts.path}?{parts.query}", base_url=self.base_url)

    def sign_in(self, line_user_id: str | None = None) -> Any:
        return self.callback(self.pick_user(self.authorize_url(), line_user_id))

    # -- pages and forms ----------------------------------------------------------------------

    def get(self, path: str) -> Any:
        return self.client.get(path, base_url=self.base_url)

    def csrf_token(self, page: str = "/console/") -> str:
        found = CSRF.search(self.get(page).get_data(as_text=True))
        assert found, f"no CSRF token on {page}"
        return found[1]

    def post(self, path: str, data: dict | None = None, *, csrf: bool = True,
             page: str = "/console/") -> Any:
        data = dict(data or {})
        if csrf:
            data["csrf_token"] = self.csrf_token(page)
        return self.client.post(path, data=data, base_url=self.base_url)



def audited(app, action: str) -> list[AuditLog]:
    with session_scope(app) as session:
        rows = list(session.scalars(select(AuditLog).where(AuditLog.action == action)
                                    .order_by(AuditLog.id)))
        session.expunge_all()
        return rows


def png(size: tuple[int, int] = (1024, 768), mode: str = "RGBA") -> bytes:
    """A PNG carrying what a logo must not keep: a text chunk and EXIF (the phone's make)."""
    image = Image.new(mode, size, (200, 30, 30, 128) if mode == "RGBA" else (200, 30, 30))
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "secret note")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    out = io.BytesIO()
    image.save(out, format="PNG", pnginfo=info, exif=exif)
    return out.getvalue()
