"""An organisation's logo in the console (models/logos.py): its members upload a PNG or JPEG
on the organisation's page, or remove it. The upload is opened with Pillow and drawn again:
only its pixels are kept (no EXIF with a phone's location, no comments or colour profiles),
turned upright, at most LOGO_SIDE pixels on its longest side. Anything else is refused
politely: a file that is not a PNG or JPEG, a damaged one, one over LOGO_MAX_BYTES (refused
while it arrives), or one whose pixels would not fit in memory (a small file can unpack to
gigabytes: its size is read from its header before it is decoded)."""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable
from typing import Any

from flask import abort, current_app, redirect, request, url_for
from PIL import Image, ImageOps
from werkzeug import Response
from werkzeug.exceptions import RequestEntityTooLarge

from console import open_data, people
from console.access import organisation_and_role
from console.blueprint import bp
from console.db import db
from console.forms import ActionForm, LogoForm
from console.i18n import notice
from console.organisations import logo_megabytes, organisation_page
from console.saving import save
from models import logos
from models.locales import N_
from models.photos import Photo, TooBig

LOGO_SIDE = 512
MAX_PIXELS = 25_000_000  # the most pixels an upload may unpack to (5,000 x 5,000)
FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg"}
NOT_AN_IMAGE = N_("This file is not a PNG or JPEG image. Please choose a logo in one of "
                  "those formats.")
TOO_BIG = N_("This file is too large for a logo: at most {megabytes} MB.")
FORM_OVERHEAD = 64_000  # the multipart form around the file, its CSRF token


class NotAnImage(ValueError):
    """Not a PNG or JPEG that can be opened safely."""


def upload_limit(view: Callable[..., Any]) -> Callable[..., Any]:
    """The body of a request to `view` may be at most LOGO_MAX_BYTES (and the form around
    it): console/__init__.py applies it before the form is read for its CSRF token."""
    view.upload_limit = "LOGO_MAX_BYTES"  # type: ignore[attr-defined]
    return view


def reencoded(data: bytes) -> tuple[bytes, str]:
    """The upload as a clean logo, in its own format: (bytes, content type); NotAnImage."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=tuple(FORMATS)) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise NotAnImage("too many pixels")
                kind = str(image.format)
                alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
                image.draft(None, (LOGO_SIDE, LOGO_SIDE))  # a JPEG decodes at a smaller scale
                upright = ImageOps.exif_transpose(image)
                upright.thumbnail((LOGO_SIDE, LOGO_SIDE))
                mode = "RGBA" if kind == "PNG" and alpha else "RGB"
                pixels = upright.convert(mode)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError,
            Image.DecompressionBombWarning) as exc:
        raise NotAnImage(str(exc)) from exc
    clean = Image.frombytes(mode, pixels.size, pixels.tobytes())  # the pixels, nothing else
    out = io.BytesIO()
    if kind == "PNG":
        clean.save(out, format="PNG", optimize=True)
    else:
        clean.save(out, format="JPEG", quality=88)
    return out.getvalue(), FORMATS[kind]


def _refusal(form: LogoForm, exc: ValueError) -> None:
    message = TOO_BIG if isinstance(exc, TooBig) else NOT_AN_IMAGE
    form.logo.errors = [*form.logo.errors, message]


@bp.post("/organisations/<int:organisation_id>/logo")
@upload_limit
def upload_logo(organisation_id: int) -> str | Response:
    found, role = organisation_and_role(organisation_id, edit=True)
    form = LogoForm()
    limit = int(current_app.config["LOGO_MAX_BYTES"])

    def store() -> Photo:
        data = form.logo.data.read(limit + 1)
        if len(data) > limit:
            raise TooBig(len(data), limit)
        return logos.set_logo(db(), people.person(), found, *reencoded(data))

    done = save(form, store, _refusal, notice=N_("The logo is saved."),
                then=lambda _logo: url_for("console.organisation", organisation_id=found.id))
    return done or organisation_page(found, role, logo_form=form)


@bp.post("/organisations/<int:organisation_id>/logo/remove")
def remove_logo(organisation_id: int) -> Response:
    found, _role = organisation_and_role(organisation_id, edit=True)
    if not ActionForm().validate_on_submit():
        abort(400)
    if logos.remove_logo(db(), people.person(), found):
        db().commit()
        notice(N_("The logo is removed."))
    return redirect(url_for("console.organisation", organisation_id=found.id))


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_error: RequestEntityTooLarge) -> Response:
    """A file over the limit, refused while it arrives: back to the page, saying why (nothing
    was read, so nothing changed)."""
    if request.endpoint == "console.preview_open_data":
        return open_data.too_large()
    notice(TOO_BIG, megabytes=logo_megabytes())
    organisation_id = (request.view_args or {}).get("organisation_id")
    if organisation_id is None:
        return redirect(url_for("console.home"))
    return redirect(url_for("console.organisation", organisation_id=organisation_id))
