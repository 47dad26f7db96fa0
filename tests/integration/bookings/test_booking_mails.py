"""Booking mails are queued with the booking and written when the outbox sends them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, select

from sharing.models import Booking, OutboxMessage
from sharing.services import bookings, outbox
from tests.integration.bookings.conftest import NOW, at

NO_SMTP = {"MAIL_SERVER": "", "MAIL_DEFAULT_SENDER": "qa@example.org"}


def _queued(session) -> list[OutboxMessage]:
    return session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def test_confirmation_is_queued_unwritten_and_written_when_sent(session, resident, car):
    booking = bookings.create_booking(session, resident, vehicle_id=car.id, start=at(2), end=at(4), now=NOW)
    [queued] = _queued(session)
    assert (queued.template, queued.context) == ("booking_confirmed", {"booking_id": booking.id,
                                                                       "user_id": resident.id})
    assert queued.subject is None and queued.body_text is None

    assert outbox.deliver_due(session, NO_SMTP, now=NOW + timedelta(days=400)) == 1
    session.expire_all()
    [sent] = _queued(session)
    assert sent.status == "sent" and sent.subject == "Buchung bestätigt: Die Blaue"
    assert "Hallo" in sent.body_text and "10:00" in sent.body_text  # 09:00 UTC, in Berlin's winter time
    [ics] = sent.attachments
    assert ics["filename"] == "buchung.ics" and "METHOD:REQUEST" in ics["content"]


def test_the_mail_tells_the_booking_as_it_is_when_sent_in_the_readers_language_then(session, resident, car,
                                                                                    make_vehicle):
    zoe = make_vehicle(name="Zoe")
    booking = bookings.create_booking(session, resident, vehicle_id=car.id, start=at(2), end=at(4), now=NOW)
    bookings.change_booking(session, resident, booking.id, vehicle_id=zoe.id, now=NOW)
    resident.language = "en"
    session.commit()

    assert outbox.deliver_due(session, NO_SMTP, now=NOW + timedelta(days=400)) == 2
    session.expire_all()
    confirmed, changed = _queued(session)
    assert confirmed.subject == "Booking confirmed: Zoe" and changed.subject == "Booking changed: Zoe"
    # Both calendar entries carry the booking's newest sequence: calendars keep the newest state.
    assert all("SEQUENCE:1" in m.attachments[0]["content"] for m in (confirmed, changed))


def test_a_mail_about_a_booking_gone_meanwhile_fails_and_the_next_one_goes_out(session, resident, car):
    gone = bookings.create_booking(session, resident, vehicle_id=car.id, start=at(2), end=at(4), now=NOW)
    bookings.create_booking(session, resident, vehicle_id=car.id, start=at(6), end=at(8), now=NOW)
    session.execute(delete(Booking).where(Booking.id == gone.id))
    session.commit()

    assert outbox.deliver_due(session, NO_SMTP, now=NOW + timedelta(days=400)) == 1
    session.expire_all()
    first, second = _queued(session)
    assert (first.status, first.body_text) == ("failed", None) and "gone" in first.last_error
    assert second.status == "sent" and second.body_text


def test_a_mail_that_cannot_be_written_is_retried_later_without_holding_up_the_others(session, resident, car,
                                                                                     monkeypatch):
    bookings.create_booking(session, resident, vehicle_id=car.id, start=at(2), end=at(4), now=NOW)
    outbox.enqueue(session, to=resident.email, subject="Hinweis", body_text="Hallo")
    session.commit()

    def broken(_session, _message):
        raise RuntimeError("template broken")

    monkeypatch.setitem(outbox._WRITERS, "booking_confirmed", broken)
    assert outbox.deliver_due(session, NO_SMTP, now=NOW + timedelta(days=400)) == 1
    session.expire_all()
    unwritten, plain = _queued(session)
    assert (unwritten.status, unwritten.attempts) == ("pending", 1) and "template broken" in unwritten.last_error
    assert unwritten.next_attempt_at > NOW + timedelta(days=400)
    assert plain.status == "sent"


def test_only_registered_templates_can_be_queued_unwritten(session, resident):
    with pytest.raises(LookupError):
        outbox.enqueue_later(session, to=resident.email, template="no_such_mail", context={})
