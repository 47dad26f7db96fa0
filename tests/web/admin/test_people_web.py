"""People and households in the admin pages: search, role, household, deactivation, invitations."""

from __future__ import annotations

import io
import json
from datetime import timedelta

from sqlalchemy import select

from sharing.models import AuditEvent, Booking, OutboxMessage, User, utcnow
from tests.conftest import login
from tests.factories import DEFAULT_PASSWORD


def test_search_and_filters(admin_client, make_user):
    make_user(name="Anna Schmidt"), make_user(name="Jonas Weber", password=None)
    page = admin_client.get("/admin/users?q=schmidt").get_data(as_text=True)
    assert "Anna Schmidt" in page and "Jonas Weber" not in page
    page = admin_client.get("/admin/users?state=invited").get_data(as_text=True)
    assert "Jonas Weber" in page and "Anna Schmidt" not in page


def test_deactivation_shows_bookings_first_then_ends_the_persons_sessions(app, admin_client, post_form, session,
                                                                         make_user, make_vehicle, make_booking_row):
    anna = make_user(name="Anna Schmidt")
    soon = (utcnow() + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    booking = make_booking_row(vehicle=make_vehicle(name="Zoe"), user=anna, start=soon, end=soon + timedelta(hours=1))
    anna_client = app.test_client()
    login(anna_client, anna.email, DEFAULT_PASSWORD)
    assert anna_client.get("/account").status_code == 200

    page = admin_client.get(f"/admin/users/{anna.id}/deactivate").get_data(as_text=True)
    assert "Zoe" in page and "storniert, Haushalt benachrichtigt" in page
    response = post_form(f"/admin/users/{anna.id}/deactivate")
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Booking, booking.id).status == "cancelled"
    assert anna_client.get("/account").headers["Location"].startswith("/login")
    assert post_form(f"/admin/users/{anna.id}/reactivate", page=f"/admin/users/{anna.id}").status_code == 302
    session.expire_all()
    assert session.get(User, anna.id).active


def test_admin_cannot_deactivate_themselves(admin_client, post_form, admin, session):
    response = post_form(f"/admin/users/{admin.id}/deactivate", page=f"/admin/users/{admin.id}")
    assert response.status_code == 422
    assert "eigenen Konto" in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(User, admin.id).active


def test_role_household_reinvite_and_password_link(admin_client, post_form, session, make_user, make_household):
    anna, invited, new_home = make_user(name="Anna"), make_user(name="Ivo", password=None), make_household(name="Neu")
    assert post_form(f"/admin/users/{anna.id}/role", {"role": "admin"},
                     page=f"/admin/users/{anna.id}").status_code == 302
    assert post_form(f"/admin/users/{anna.id}/household", {"household_id": str(new_home.id)},
                     page=f"/admin/users/{anna.id}").status_code == 302
    session.expire_all()
    assert (session.get(User, anna.id).role, session.get(User, anna.id).household_id) == ("admin", new_home.id)
    again = post_form(f"/admin/users/{invited.id}/reinvite", page=f"/admin/users/{invited.id}")
    assert again.status_code == 200 and "/invitation/" in again.get_data(as_text=True)  # mail is off: link shown
    assert post_form(f"/admin/users/{anna.id}/password-reset", page=f"/admin/users/{anna.id}").status_code == 302
    subjects = session.scalars(select(OutboxMessage.subject).order_by(OutboxMessage.id)).all()
    assert subjects == ["Ihre Einladung zu Quartierauto", "Neues Passwort für Quartierauto setzen"]
    actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["user.role", "user.household", "user.reinvite", "user.password_reset_sent"]


def test_households_create_and_rename(admin_client, post_form, session):
    assert post_form("/admin/households", {"name": "Lindenweg 4", "address": "EG"}).status_code == 302
    assert post_form("/admin/households", {"name": "lindenweg 4"}).status_code == 422
    page = admin_client.get("/admin/households").get_data(as_text=True)
    assert "Lindenweg 4" in page


def test_bulk_invitation_without_javascript(admin_client, post_form, session, make_household):
    make_household(name="Lindenweg 4")
    text = "name;email;household\nAnna;anna@example.org;Lindenweg 4\nBen;kaputt;Lindenweg 4\n"
    preview = post_form("/admin/users/import", {"file": (io.BytesIO(text.encode()), "l.csv")},
                        content_type="multipart/form-data")
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "1 Person einladen" in page and "keine gültige E-Mail-Adresse" in page
    assert session.scalar(select(User).where(User.email == "anna@example.org")) is None
    done = post_form("/admin/users/import/confirm", {"csv_text": text}, page="/admin/users/import")
    assert done.status_code == 302
    batch_url = done.headers["Location"]
    page = admin_client.get(batch_url).get_data(as_text=True)
    assert "0 von 1 gesendet, 1 wartend" in page and "Nächste Mails jetzt senden" in page
    assert post_form(batch_url + "/send", page=batch_url).status_code == 302
    status = json.loads(admin_client.get(batch_url + "/status").get_data(as_text=True))
    assert status == {"total": 1, "sent": 1, "failed": 0, "pending": 0, "done": True}
