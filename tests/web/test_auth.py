"""Logging in and out, remember-me, redirects, invitations and password resets."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from sharing.models import OneTimeToken, OutboxMessage, User, utcnow
from sharing.services import accounts
from tests.conftest import csrf_token_from, get_csrf, login
from tests.factories import DEFAULT_PASSWORD


def test_login_page_is_german_by_default(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'lang="de"' in page
    assert "Anmelden" in page


def test_login_page_in_english_when_the_browser_asks(client):
    page = client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert 'lang="en"' in page and "Log in" in page


def test_resident_logs_in_and_out(client, resident):
    response = login(client, resident.email, DEFAULT_PASSWORD)
    assert response.status_code == 302
    assert client.get("/").status_code in (200, 302)
    assert client.get("/", follow_redirects=True).request.path != "/login"
    token = csrf_token_from(client.get("/", follow_redirects=True).get_data(as_text=True))
    client.post("/logout", data={"csrf_token": token})
    assert client.get("/").headers["Location"].startswith("/login")


def test_email_is_case_insensitive(client, resident):
    assert login(client, resident.email.upper(), DEFAULT_PASSWORD).status_code == 302


@pytest.mark.parametrize("email, password", [
    ("resident@example.org", "wrong-password-123"),
    ("nobody@example.org", "wrong-password-123"),
    ("nobody@example.org", DEFAULT_PASSWORD),
])
def test_failed_login_never_reveals_whether_the_address_exists(client, resident, email, password):
    response = login(client, email, password)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "E-Mail-Adresse oder Passwort ist falsch." in page
    assert "deaktiviert" not in page


def test_inactive_user_cannot_log_in(client, session, resident):
    resident.active = False
    session.commit()
    response = login(client, resident.email, DEFAULT_PASSWORD)
    assert response.status_code == 422
    assert "deaktiviert" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_inactive_account_with_wrong_password_looks_like_any_failure(client, session, resident):
    resident.active = False
    session.commit()
    page = login(client, resident.email, "not-the-password").get_data(as_text=True)
    assert "E-Mail-Adresse oder Passwort ist falsch." in page


def test_login_without_csrf_token_is_refused(client, resident):
    response = client.post("/login", data={"email": resident.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 400
    assert client.get("/").status_code == 302  # still anonymous


def test_remember_me_sets_a_long_lived_cookie(client, resident):
    response = login(client, resident.email, DEFAULT_PASSWORD, remember=True)
    cookies = response.headers.getlist("Set-Cookie")
    remember = [c for c in cookies if c.startswith("remember_token=")]
    assert remember and "HttpOnly" in remember[0] and "Expires=" in remember[0]


def test_remember_cookie_survives_a_lost_session_but_not_a_logout(app, client, resident):
    login(client, resident.email, DEFAULT_PASSWORD, remember=True)
    remember = client.get_cookie("remember_token")
    assert remember is not None
    client.delete_cookie("session")
    assert client.get("/").status_code in (200, 302) and client.get("/").headers.get("Location", "") != "/login"
    token = csrf_token_from(client.get("/", follow_redirects=True).get_data(as_text=True))
    client.post("/logout", data={"csrf_token": token})
    # A copy of the old remember-me cookie must not log anyone in again.
    other = app.test_client()
    other.set_cookie("remember_token", remember.value)
    assert other.get("/").status_code == 302
    assert other.get("/").headers["Location"].startswith("/login")


def test_anonymous_user_is_sent_to_login_and_back(client, resident):
    response = client.get("/admin/users")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=%2Fadmin%2Fusers"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'value="/admin/users"' in page


def test_after_login_user_goes_back_to_where_they_were_going(client, admin):
    response = login(client, admin.email, DEFAULT_PASSWORD, next_url="/admin/users")
    assert response.headers["Location"] == "/admin/users"


@pytest.mark.parametrize("target", [
    "https://evil.example/",
    "//evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "javascript:alert(1)",
    "%2F%2Fevil.example",
    "/%2F%2Fevil.example",
    "%252F%252Fevil.example",
    "http:evil.example",
    "/\tevil",
])
def test_next_never_leaves_the_site(client, resident, target):
    response = login(client, resident.email, DEFAULT_PASSWORD, next_url=target)
    assert response.status_code == 302
    assert response.headers["Location"] in ("/",)


def test_resident_gets_403_on_admin_pages(client, resident):
    login(client, resident.email, DEFAULT_PASSWORD)
    response = client.get("/admin/users")
    assert response.status_code == 403
    assert "Zugriff verweigert" in response.get_data(as_text=True)


def test_admin_sees_admin_pages(client, admin):
    login(client, admin.email, DEFAULT_PASSWORD)
    assert client.get("/admin/users").status_code == 200


def _invite(client, admin, household, email="neu@example.org"):
    login(client, admin.email, DEFAULT_PASSWORD)
    token = get_csrf(client, "/admin/users")
    return client.post("/admin/users", data={
        "csrf_token": token, "name": "Nina Neu", "email": email, "household_id": str(household.id),
        "role": "resident", "language": "de",
    })


def _link_secret(page: str) -> str:
    match = re.search(r"/invitation/([A-Za-z0-9_\-]+)", page)
    assert match, "no invitation link on the page"
    return match.group(1)


def test_invitation_flow(app, client, session, admin, make_household):
    household = make_household()
    response = _invite(client, admin, household)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    secret = _link_secret(page)  # shown to the admin because mail is not configured
    mail = session.scalar(select(OutboxMessage).where(OutboxMessage.to_address == "neu@example.org"))
    assert mail is not None and secret in mail.body_text and "Einladung" in mail.subject

    resident_client = app.test_client()
    form_page = resident_client.get(f"/invitation/{secret}").get_data(as_text=True)
    assert "Nina Neu" in form_page
    token = csrf_token_from(form_page)
    short = resident_client.post(f"/invitation/{secret}", data={"csrf_token": token, "password": "kurz",
                                                                "confirm": "kurz"})
    assert short.status_code == 422
    done = resident_client.post(f"/invitation/{secret}", data={
        "csrf_token": token, "password": "ein-gutes-passwort", "confirm": "ein-gutes-passwort"})
    assert done.status_code == 302
    assert resident_client.get("/", follow_redirects=True).request.path != "/login"

    reused = app.test_client().get(f"/invitation/{secret}")
    assert reused.status_code == 410
    assert "bereits benutzt" in reused.get_data(as_text=True)


def test_expired_invitation_gets_a_clear_message(client, session, admin, make_household):
    household = make_household()
    issued = accounts.invite_user(session, admin, email="alt@example.org", name="Otto Alt",
                                  household_id=household.id, valid_for=timedelta(hours=1))
    session.commit()
    token = session.scalar(select(OneTimeToken).where(OneTimeToken.user_id == issued.user.id))
    token.expires_at = utcnow() - timedelta(minutes=1)
    session.commit()
    response = client.get(f"/invitation/{issued.secret}", headers={"Accept-Language": "en"})
    assert response.status_code == 410
    assert "expired" in response.get_data(as_text=True)


def test_unknown_invitation_link(client):
    response = client.get("/invitation/not-a-real-secret")
    assert response.status_code == 410
    assert "ungültig" in response.get_data(as_text=True)


def test_inviting_an_existing_address_is_refused(client, admin, resident, make_household):
    response = _invite(client, admin, make_household(), email=resident.email.upper())
    assert response.status_code == 422
    assert "Es gibt bereits ein Konto" in response.get_data(as_text=True)


def test_password_reset_by_mail(app, client, session, resident):
    token = get_csrf(client, "/password/forgot")
    response = client.post("/password/forgot", data={"csrf_token": token, "email": resident.email})
    assert response.status_code == 302
    mail = session.scalar(select(OutboxMessage).where(OutboxMessage.to_address == resident.email))
    assert mail is not None
    secret = re.search(r"/password/reset/([A-Za-z0-9_\-]+)", mail.body_text).group(1)
    page = client.get(f"/password/reset/{secret}").get_data(as_text=True)
    done = client.post(f"/password/reset/{secret}", data={
        "csrf_token": csrf_token_from(page), "password": "ganz-neues-passwort", "confirm": "ganz-neues-passwort"})
    assert done.status_code == 302
    fresh = app.test_client()
    assert login(fresh, resident.email, DEFAULT_PASSWORD).status_code == 422
    assert login(app.test_client(), resident.email, "ganz-neues-passwort").status_code == 302
    assert client.get(f"/password/reset/{secret}").status_code == 410


def test_password_reset_answer_is_the_same_for_unknown_addresses(client, session, resident):
    answers = []
    for email in (resident.email, "unbekannt@example.org"):
        token = get_csrf(client, "/password/forgot")
        response = client.post("/password/forgot", data={"csrf_token": token, "email": email},
                                follow_redirects=True)
        main = response.get_data(as_text=True).split('<main id="main"')[1].split("</main>")[0]
        answers.append(re.sub(r'value="[^"]*"', "", main))  # CSRF tokens carry a timestamp
    assert answers[0] == answers[1]
    assert session.scalar(select(OutboxMessage).where(OutboxMessage.to_address == "unbekannt@example.org")) is None


def test_user_identity_includes_session_version(session, resident):
    assert resident.get_id() == f"{resident.id}:1"
    user = session.get(User, resident.id)
    assert user.is_active
