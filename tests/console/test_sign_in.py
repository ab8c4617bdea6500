"""Signing in to the console through the simulator's LINE Login (Flask's test client; the
token request goes over HTTP to the live app's simulator), and what is refused."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit

import simulator.login
from bot.db import session_scope
from models.users import get_by_line_id, revoke_role
from tests.console.helpers import ConsoleBrowser, audited


def _signed_in(browser: ConsoleBrowser) -> bool:
    return browser.get("/console/").status_code == 200


def test_a_friend_of_the_bot_signs_in_with_line_and_sees_who_they_are(app, person, browser):
    hanako = person("山田花子")
    me = browser(hanako, signed_in=False)
    authorize = me.authorize_url()
    query = dict(parse_qsl(urlsplit(authorize).query))
    assert urlsplit(authorize).path == "/simulator/oauth2/v2.1/authorize"
    assert query["scope"] == "openid profile" and query["code_challenge_method"] == "S256"
    assert query["state"] and query["nonce"] and query["code_challenge"]

    response = me.callback(me.pick_user(authorize))

    assert response.status_code == 302 and response.headers["Location"] == "/console/"
    page = me.get("/console/").get_data(as_text=True)
    assert "山田花子" in page and 'lang="ja"' in page
    [row] = audited(app, "console.sign_in")
    assert row.actor_id is not None


def test_a_signed_out_visitor_comes_back_to_the_page_they_asked_for(person, browser):
    me = browser(person(), signed_in=False)
    first = me.get("/console/organisations/new")
    assert first.status_code == 302 and "/console/sign-in?next=" in first.headers["Location"]
    me.client.get(first.headers["Location"])
    authorize = me.client.get("/console/sign-in/line?next=/console/organisations/new")
    back = me.callback(me.pick_user(authorize.headers["Location"]))
    assert back.headers["Location"] == "/console/organisations/new"


def test_another_site_is_never_where_sign_in_sends_you(person, browser):
    me = browser(person(), signed_in=False)
    authorize = me.client.get("/console/sign-in/line?next=//evil.example/console/")
    back = me.callback(me.pick_user(authorize.headers["Location"]))
    assert back.headers["Location"] == "/console/"


def test_a_callback_with_another_state_is_refused(app, person, browser):
    me = browser(person(), signed_in=False)
    callback = me.pick_user(me.authorize_url())
    parts = urlsplit(callback)
    forged = dict(parse_qsl(parts.query), state="forged-state")
    response = me.callback(f"{parts.path}?{urlencode(forged)}")
    assert response.status_code == 403
    assert not _signed_in(me)
    assert [r.detail for r in audited(app, "console.sign_in_refused")] == [{"reason": "failed"}]


def test_a_code_works_once(person, browser):
    me = browser(person(), signed_in=False)
    used = dict(parse_qsl(urlsplit(me.pick_user(me.authorize_url())).query))["code"]
    me.client.get(f"/console/sign-in/callback?{urlencode({'code': used, 'state': 'x'})}")
    other = browser(person("別の人"), signed_in=False)
    parts = urlsplit(other.pick_user(other.authorize_url()))
    replayed = dict(parse_qsl(parts.query), code=used)
    assert other.callback(f"{parts.path}?{urlencode(replayed)}").status_code == 403
    assert not _signed_in(other)


def test_a_wrong_code_verifier_is_refused(person, browser):
    me = browser(person(), signed_in=False)
    callback = me.pick_user(me.authorize_url())
    with me.client.session_transaction("/console/") as session:
        [state_key] = [k for k in session if k.startswith("_state_")]
        saved = session[state_key]
        saved["data"]["code_verifier"] = "x" * 50
        session[state_key] = saved
    assert me.callback(callback).status_code == 403
    assert not _signed_in(me)


def test_an_id_token_that_does_not_verify_is_refused(person, browser, monkeypatch):
    signed = simulator.login.sign_id_token
    me = browser(person(), signed_in=False)
    monkeypatch.setattr(simulator.login, "sign_id_token",
                        lambda claims: signed(claims, secret="not-the-channel-secret-000000"))
    assert me.sign_in().status_code == 403
    assert not _signed_in(me)


def test_an_id_token_for_another_channel_or_nonce_is_refused(person, browser, monkeypatch):
    signed = simulator.login.sign_id_token
    for change in ({"aud": "2000000002"}, {"nonce": "replayed"}, {"iss": "https://evil"},
                   {"exp": 1_000_000_000}):
        me = browser(person(), signed_in=False)
        monkeypatch.setattr(simulator.login, "sign_id_token",
                            lambda claims, change=change: signed({**claims, **change}))
        assert me.sign_in().status_code == 403, change
        assert not _signed_in(me)


def test_someone_who_is_not_a_friend_of_the_bot_gets_a_polite_page(app, person, browser):
    stranger = person("知らない人", friend=False)
    me = browser(stranger, signed_in=False)
    response = me.sign_in()
    assert response.status_code == 403
    assert "友だち" in response.get_data(as_text=True)
    assert [r.detail for r in audited(app, "console.sign_in_refused")] == [
        {"reason": "not_friend"}]


def test_sign_out_needs_the_form_s_token_and_ends_the_sign_in(app, person, browser):
    me = browser(person())
    assert me.post("/console/sign-out", csrf=False).status_code == 400
    assert _signed_in(me)
    cookie = me.client.get_cookie("machibot_console")
    assert me.post("/console/sign-out").status_code == 302
    assert not _signed_in(me)
    assert len(audited(app, "console.sign_out")) == 1
    # the old cookie, replayed, no longer signs anyone in
    replay = ConsoleBrowser(app)
    replay.client.set_cookie("machibot_console", cookie.value)
    assert not _signed_in(replay)


def test_the_session_cookie_is_http_only_same_site_and_secure_over_https(person, browser):
    plain = browser(person())
    cookie = plain.client.get_cookie("machibot_console")
    assert cookie.http_only and cookie.same_site == "Lax" and not cookie.secure
    secure = browser(person("二人目"), signed_in=False, https=True)
    secure.sign_in()
    assert secure.client.get_cookie("machibot_console").secure


def test_a_new_sign_in_gets_a_new_session(person, browser):
    me = browser(person(), signed_in=False)
    me.client.get("/console/sign-in")
    before = me.client.get_cookie("machibot_console")
    me.sign_in()
    assert me.client.get_cookie("machibot_console").value != (before.value if before else None)


def test_sign_in_is_rate_limited(app, person, browser, monkeypatch):
    monkeypatch.setitem(app.config, "CONSOLE_SIGN_IN_RATE", "3 per minute")
    me = browser(person(), signed_in=False)
    answers = [me.client.get("/console/sign-in").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]


def test_a_role_taken_away_stops_working_at_once(app, person, browser):
    staff = person("区職員", staff=True)
    me = browser(staff)
    assert me.get("/console/organisations").status_code == 200
    with session_scope(app) as session:
        revoke_role(session, get_by_line_id(session, staff), "staff")
    assert me.get("/console/organisations").status_code == 403


def test_someone_who_left_the_bot_is_signed_out(app, person, browser):
    hanako = person()
    me = browser(hanako)
    with session_scope(app) as session:
        get_by_line_id(session, hanako).active = False
    assert not _signed_in(me)


def test_the_console_speaks_the_person_s_language(person, browser):
    me = browser(person("Alex", locale="en"))
    page = me.get("/console/").get_data(as_text=True)
    assert 'lang="en"' in page and "Register an organisation" in page


def _real_line_app(tmp_path, **login: str):
    from bot.app import create_app

    return create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path),
                       "DATABASE_URL": f"sqlite:///{tmp_path / 'real.db'}",
                       "LINE_CHANNEL_SECRET": "s3cret", "LINE_CHANNEL_ACCESS_TOKEN": "t0ken",
                       "LINE_API_BASE_URL": None,
                       # no Redis for this app: its counters are tested with the live app
                       "RATELIMIT_ENABLED": False, **login})


def test_with_a_real_channel_but_no_login_channel_the_console_says_so(tmp_path):
    page = _real_line_app(tmp_path).test_client().get("/console/sign-in")
    assert page.status_code == 503 and "role=\"alert\"" in page.get_data(as_text=True)


def test_with_a_login_channel_sign_in_goes_to_line(tmp_path):
    app = _real_line_app(tmp_path, LINE_LOGIN_CHANNEL_ID="1234567890",
                         LINE_LOGIN_CHANNEL_SECRET="0123456789abcdef0123456789abcdef")
    answer = app.test_client().get("/console/sign-in/line")
    parts = urlsplit(answer.headers["Location"])
    assert (parts.scheme, parts.netloc, parts.path) == (
        "https", "access.line.me", "/oauth2/v2.1/authorize")
    assert dict(parse_qsl(parts.query))["client_id"] == "1234567890"
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0  # kept for this user only
