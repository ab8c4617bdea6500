"""An organisation's logo in the console: its members upload a PNG or JPEG, which is drawn
again (no metadata, at most 512 px) and served at an unguessable address; anything else is
refused politely; replacing or removing it leaves no row behind; it is the organisation's,
not the uploader's, and never expires; every change is audit-logged."""

from __future__ import annotations

import io
import struct
import zlib
from datetime import timedelta

from PIL import Image
from sqlalchemy import func, select

from bot.db import session_scope
from bot.kernel.i18n import gettext
from bot.photos import sweep
from models import organisations as orgs
from models.base import utcnow
from models.erasure import delete_personal_data
from models.organisations import Organisation
from models.photos import Photo
from models.users import get_by_line_id
from tests.console.helpers import audited, png


def jpeg(size: tuple[int, int] = (600, 1200)) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x0112] = 6  # taken sideways: shown turned a quarter
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(out, format="JPEG", exif=exif, quality=90)
    return out.getvalue()


def huge_png_header(width: int = 40_000, height: int = 40_000) -> bytes:
    """A few hundred bytes that claim a picture of 1.6 billion pixels (a decompression bomb)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = zlib.compress(b"\x00" * 4096)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(
        b"IEND", b"")


def upload(me, organisation_id: int, data: bytes, filename: str = "logo.png", *,
           csrf: bool = True):
    page = f"/console/organisations/{organisation_id}"
    form = {"logo": (io.BytesIO(data), filename)}
    if csrf:
        form["csrf_token"] = me.csrf_token(page)
    return me.client.post(f"{page}/logo", data=form, base_url=me.base_url,
                          content_type="multipart/form-data")


def logo_of(app, organisation_id: int) -> Photo | None:
    with session_scope(app) as session:
        found = session.get(Organisation, organisation_id).logo
        if found is not None:
            found.data  # noqa: B018 (loaded before the session closes)
            session.expunge(found)
        return found


def photo_rows(app) -> int:
    with session_scope(app) as session:
        return session.scalar(select(func.count(Photo.id)))


def _(msgid: str, **params) -> str:
    return gettext("ja", msgid, **params)


def test_an_editor_uploads_a_logo_drawn_again_without_its_metadata(app, person, browser,
                                                                  organisation):
    owner = person("代表")
    found = organisation(owner)
    me = browser(owner)
    answer = upload(me, found, png())
    assert answer.status_code == 302
    logo = logo_of(app, found)
    assert logo.content_type == "image/png" and logo.owner_id is None
    image = Image.open(io.BytesIO(logo.data))
    assert image.size == (512, 384) and image.mode == "RGBA"
    assert "Comment" not in image.info and "exif" not in image.info
    assert len(logo.token) >= 43
    page = me.get(f"/console/organisations/{found}").get_data(as_text=True)
    assert f'src="/photos/{logo.token}"' in page
    assert _("Logo of {name}", name="阿佐谷こども食堂") in page
    assert _("The logo is saved.") in page
    served = me.get(f"/photos/{logo.token}")
    assert served.status_code == 200 and served.data == logo.data
    [row] = audited(app, "organisation.logo")
    assert row.detail["organisation"] == found


def test_a_jpeg_is_turned_upright_made_smaller_and_loses_its_exif(app, person, browser,
                                                                 organisation):
    owner = person("代表")
    found = organisation(owner)
    assert upload(browser(owner), found, jpeg(), "photo.jpg").status_code == 302
    logo = logo_of(app, found)
    image = Image.open(io.BytesIO(logo.data))
    assert logo.content_type == "image/jpeg" and image.format == "JPEG"
    assert image.size == (512, 256)  # 600 x 1200 taken sideways: 1200 wide once upright
    assert not image.getexif() and "exif" not in image.info


def test_what_is_not_a_png_or_jpeg_is_refused_politely_and_nothing_is_kept(
        app, person, browser, organisation):
    owner = person("代表")
    found = organisation(owner)
    me = browser(owner)
    gif = io.BytesIO()
    Image.new("RGB", (20, 20)).save(gif, format="GIF")
    for data, name in ((b"%PDF-1.4 not a picture", "logo.png"), (gif.getvalue(), "logo.gif"),
                       (png()[:200], "cut.png"), (huge_png_header(), "bomb.png")):
        answer = upload(me, found, data, name)
        assert answer.status_code == 200, name
        page = answer.get_data(as_text=True)
        assert _("This file is not a PNG or JPEG image. Please choose a logo in one of "
                 "those formats.") in page, name
        assert 'aria-invalid="true"' in page
    assert logo_of(app, found) is None and photo_rows(app) == 0
    assert audited(app, "organisation.logo") == []


def test_a_file_over_the_limit_is_refused_while_it_arrives(app, person, browser, organisation,
                                                          monkeypatch):
    monkeypatch.setitem(app.config, "LOGO_MAX_BYTES", 100_000)
    owner = person("代表")
    found = organisation(owner)
    me = browser(owner)
    answer = upload(me, found, png() + b"\x00" * 200_000)
    assert answer.status_code == 302
    page = me.get(answer.headers["Location"]).get_data(as_text=True)
    assert _("This file is too large for a logo: at most {megabytes} MB.",
             megabytes="0.1") in page
    assert photo_rows(app) == 0


def test_replacing_or_removing_the_logo_leaves_no_old_row(app, person, browser, organisation):
    owner = person("代表")
    found = organisation(owner)
    me = browser(owner)
    upload(me, found, png())
    first = logo_of(app, found)
    upload(me, found, jpeg(), "new.jpg")
    second = logo_of(app, found)
    assert second.token != first.token and photo_rows(app) == 1
    assert me.get(f"/photos/{first.token}").status_code == 404
    page = f"/console/organisations/{found}"
    assert me.post(f"{page}/logo/remove", page=page).status_code == 302
    assert logo_of(app, found) is None and photo_rows(app) == 0
    assert len(audited(app, "organisation.logo")) == 2
    assert len(audited(app, "organisation.logo_remove")) == 1


def test_the_logo_is_the_organisation_s_it_stays_when_the_uploader_leaves_and_never_expires(
        app, person, browser, organisation):
    owner, editor = person("代表"), person("仲間")
    found = organisation(owner)
    with session_scope(app) as session:
        orgs.add_member(session, session.get(Organisation, found), get_by_line_id(session, editor))
    upload(browser(editor), found, png())
    with session_scope(app) as session:
        delete_personal_data(session, get_by_line_id(session, editor))
    with session_scope(app) as session:  # a day and more later, the photos sweep runs
        session.execute(Photo.__table__.update().values(created_at=utcnow() - timedelta(days=30)))
    sweep(app)
    logo = logo_of(app, found)
    assert logo is not None and logo.sender_id is None
