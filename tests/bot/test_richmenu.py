"""Rich menus: LINE's rules in every locale, legible images, idempotent deploy, per-user links."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from bot import fonts
from bot.config import data_api_base_url
from bot.kernel.composer import utf16_len
from bot.kernel.i18n import SUPPORTED_LOCALES, gettext
from bot.line import LineClient, LineError, get_line
from bot.redis_store import get_redis
from bot.richmenu import deployment, drawing, layout
from simulator import validation
from tests.fonts_required import needs_fonts, without_font

LOCALES = sorted(SUPPORTED_LOCALES)


def _luminance(hex_colour: str) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("page", list(layout.PAGES))
def test_definition_is_one_line_would_take(app, locale, page):
    menu = layout.definition(app, locale, page)
    menu["name"] = "x"
    assert validation.check_rich_menu(menu) == []
    assert utf16_len(menu["chatBarText"]) <= layout.CHAT_BAR_LIMIT
    mode, size = layout.PAGES[page]
    content = [a for a in menu["areas"] if a["action"]["type"] != "richmenuswitch"]
    assert 1 <= len(content) <= size
    if mode == "simple":
        assert len(menu["areas"]) == len(content) <= 4


@pytest.mark.parametrize("locale", LOCALES)
def test_area_labels_fit_in_every_locale(locale):
    for msgid in [a.label for a in layout.AREAS] + list(layout.TAB_LABELS.values()):
        assert utf16_len(gettext(locale, msgid)) <= layout.LABEL_LIMIT, (locale, msgid)
    assert utf16_len(gettext(locale, "Menu")) <= layout.CHAT_BAR_LIMIT


def test_postbacks_are_signed_actions_the_router_has(app):
    codec, router = app.extensions["machibot.codec"], app.extensions["machibot.router"]
    for page in layout.PAGES:
        for area in layout.definition(app, "ja", page)["areas"]:
            action = area["action"]
            if action["type"] == "uri":
                assert action["uri"] == "tel:" + "".join(
                    c for c in app.config["HELP_DESK_PHONE"] if c.isdigit())
                continue
            decoded = codec.decode(action["data"])
            assert decoded.action in router.actions or decoded.action in router.interrupts


def test_standard_tabs_switch_through_aliases(app):
    for page in layout.TABS:
        tabs = [a["action"] for a in layout.definition(app, "ko", page)["areas"]
                if a["action"]["type"] == "richmenuswitch"]
        assert [t["richMenuAliasId"] for t in tabs] == ["machibot-ko-main", "machibot-ko-more"]


def test_simple_menu_has_the_help_desk_and_a_supporter(app):
    actions = [a["action"] for a in layout.definition(app, "ja", "simple")["areas"]]
    assert any(a["type"] == "uri" and a["uri"].startswith("tel:") for a in actions)
    codec = app.extensions["machibot.codec"]
    assert "ask_supporter" in [codec.decode(a["data"]).action for a in actions
                               if a["type"] == "postback"]


@needs_fonts
@pytest.mark.parametrize("locale", ["ja", "ne", "vi"])
def test_images_fit_line_s_rules(app, locale):
    for page in layout.PAGES:
        data = drawing.render(app, locale, page)
        assert len(data) <= 1_000_000
        with Image.open(io.BytesIO(data)) as image:
            assert image.format == "PNG" and image.size == (layout.WIDTH, layout.HEIGHT)
            assert image.width / image.height >= 1.45


def test_tiles_have_high_contrast_under_white_text():
    for area in layout.AREAS:
        ratio = (1.05) / (_luminance(area.colour) + 0.05)
        assert ratio >= 7, (area.key, round(ratio, 1))


@needs_fonts
def test_each_script_gets_a_font_that_draws_it():
    assert "CJK" in fonts.find_font("ja")[0]
    assert "Devanagari" in fonts.find_font("ne")[0]
    assert fonts.script_locale("ne", "मेनु") == "ne"
    assert fonts.script_locale("ne", "Menu") == "vi"  # an untranslated label: Latin font
    assert fonts.script_locale("ko", "메뉴") == "ko"


def test_rendering_without_a_font_names_the_package(monkeypatch):
    without_font(monkeypatch, "ne", "fonts-noto-core")
    with pytest.raises(fonts.FontMissing, match="fonts-noto-core") as missing:
        fonts.find_font("ne")
    assert missing.value.package == "fonts-noto-core"


@needs_fonts
def test_deploy_creates_every_menu_once_and_a_rerun_piles_nothing_up(app, sim):
    links = deployment.deploy(app)
    menus = sim.rich_menus()
    assert len(menus) == len(LOCALES) * len(layout.PAGES)
    assert all(sim.has_image(m["richMenuId"]) for m in menus)
    assert sim.default_rich_menu() == links["standard:ja"]
    assert len(sim.aliases()) == len(menus)
    assert deployment.deploy(app) == links  # unchanged: kept as they were
    assert len(sim.rich_menus()) == len(menus)


@needs_fonts
def test_a_changed_menu_replaces_the_old_one(app, sim, monkeypatch):
    before = deployment.deploy(app)
    monkeypatch.setitem(app.config, "HELP_DESK_PHONE", "03-1111-2222")
    after = deployment.deploy(app)
    assert after["simple:ja"] != before["simple:ja"]
    ids = {m["richMenuId"] for m in sim.rich_menus()}
    assert len(ids) == len(LOCALES) * len(layout.PAGES) and before["simple:ja"] not in ids
    assert {a["richMenuId"] for a in sim.aliases()} <= ids


@needs_fonts
def test_deploy_links_each_user_by_mode_and_locale(app, sim, resident, make_user):
    links = deployment.deploy(app)
    assert sim.linked_rich_menu(resident.user_id) == links["standard:ja"]


@needs_fonts
def test_changing_mode_or_language_relinks_the_menu(app, sim, resident):
    links = deployment.deploy(app)
    resident.says("simple mode")
    assert sim.linked_rich_menu(resident.user_id) == links["simple:ja"]
    resident.says("language")
    resident.taps(gettext("ja", "Other languages"))
    resident.taps("English")
    assert sim.linked_rich_menu(resident.user_id) == links["simple:en"]


@needs_fonts
def test_a_new_friend_gets_the_menu_of_their_language(app, sim, make_user):
    links = deployment.deploy(app)
    person = make_user("Anna", "en")
    person.follow()
    assert sim.linked_rich_menu(person.user_id) == links["standard:en"]


@needs_fonts
def test_the_id_map_is_kept_in_redis(app):
    links = deployment.deploy(app)
    raw = get_redis(app).get(deployment.IDS_KEY)
    assert deployment.menu_for(raw, "simple", "ne") == links["simple:ne"]


@needs_fonts
def test_render_command_writes_every_image(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["richmenu", "render", str(tmp_path),
                                                "--locale", "ja"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.glob("*.png")) == [
        "main-ja.png", "more-ja.png", "simple-ja.png"]


def _menu_without_image(app, sim) -> str:
    menu = layout.definition(app, "ja", "simple")
    menu["name"] = "upload-test"
    return sim.create_rich_menu(menu)


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (layout.WIDTH, layout.HEIGHT), "white").save(out, "PNG")
    return out.getvalue()


def test_the_data_host_is_line_s_or_the_simulator_s():
    # LINE serves POST /v2/bot/richmenu/{id}/content on api-data.line.me only
    assert data_api_base_url({"LINE_API_BASE_URL": "https://api.line.me"}) == (
        "https://api-data.line.me")
    assert data_api_base_url({"LINE_API_BASE_URL": "http://127.0.0.1:5000/simulator/"}) == (
        "http://127.0.0.1:5000/simulator/data")


def test_menu_image_upload_reaches_the_data_endpoint(app, sim):
    menu_id = _menu_without_image(app, sim)
    get_line(app).upload_rich_menu_image(menu_id, _png(), "image/png")
    assert sim.has_image(menu_id)
    assert [(r["endpoint"], r["status"]) for r in sim.requests()][-1:] == [
        ("richmenu_upload", 200)]


def test_menu_image_upload_to_the_api_host_is_refused_as_line_does(app, sim):
    base = app.config["LINE_API_BASE_URL"]
    api_host_only = LineClient(app.config["LINE_CHANNEL_ACCESS_TOKEN"], base,
                               data_base_url=base, max_retries=0)
    menu_id = _menu_without_image(app, sim)
    try:
        with pytest.raises(LineError) as refused:
            api_host_only.upload_rich_menu_image(menu_id, _png(), "image/png")
    finally:
        api_host_only.close()
    assert refused.value.status == 404
    assert not sim.has_image(menu_id)
