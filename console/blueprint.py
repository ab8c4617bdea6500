"""The console's two blueprints: its pages, and the sign-in (rate-limited as a whole)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates",
               static_folder="static")
sign_in_bp = Blueprint("console_sign_in", __name__, url_prefix="/console/sign-in")
