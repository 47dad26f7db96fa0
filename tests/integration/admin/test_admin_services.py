"""Administration use cases against the real databases: settings, tariffs, households, people, invitations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from sharing.domain.tariff_csv import parse_price_csv
from sharing.models import AuditEvent, Booking, Household, OutboxMessage, TariffPrice, User, utcnow
from sharing.services import bulk_invite, households, site_settings, tariffs, user_admin
from sharing.services.admin_errors import Invalid

BERLIN = ZoneInfo("Europe/Berlin")
RULES = {"grid_minutes": 15, "min_duration_minutes": 30, "max_duration_minutes": 600, "max_advance_days": 30,
         "buffer_minutes": 15, "max_future_bookings": 3, "max_hours_per_7_days": 20, "reserve_percent": 10,
         "approval_threshold_hours": None, "no_show_grace_minutes": 30, "reminder_minutes_before": 60}


def _codes(error: pytest.ExceptionInfo) -> list[str]:
    return [p.code for p in error.value.problems]


def test_rules_are_checked_together_and_audited(session, admin, site):
    with pytest.raises(Invalid) as refused:
        site_settings.update_rules(session, admin, {**RULES, "min_duration_minutes": 40, "max_duration_minutes": 20})
    assert _codes(refused) == ["not_multiple_of_grid", "max_below_min"]
    site_settings.update_rules(session, admin, {**RULES, "max_future_bookings": 5})
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "site.rules")).one()
    assert event.before["max_future_bookings"] == 4 and event.after["max_future_bookings"] == 5


def test_site_name_time_zone_and_grid_limit(session, admin, site, make_site):
    make_site(name="Anderswo")
    with pytest.raises(Invalid) as refused:
        site_settings.update_site(session, admin, {"name": "Anderswo", "timezone": "Mars/Olympus", "grid_limit_kw": 0})
    assert _codes(refused) == ["site_name_taken", "unknown_timezone", "out_of_range"]
    site_settings.update_site(session, admin, {"name": " Lindenhof ", "timezone": "Europe/Vienna", "grid_limit_kw": 44})
    assert (site.name, site.timezone, site.grid_limit_kw) == ("Lindenhof", "Europe/Vienna", 44)


def test_imported_prices_replace_the_same_period_and_price_the_curve(session, admin, site):
    text = "time;price\n" + "\n".join(f"2025-03-01 {h:02d}:00;{10 + h}" for h in range(24))
    tariffs.import_series(session, admin, parse_price_csv(text, BERLIN, unit="ct_per_kwh", fee_eur_per_kwh=0.2),
                          unit="ct_per_kwh", fee_eur_per_kwh=0.2, filename="maerz.csv")
    again = "time;price\n" + "\n".join(f"2025-03-01 {h:02d}:00;0" for h in range(12, 24))
    tariffs.import_series(session, admin, parse_price_csv(again, BERLIN, unit="ct_per_kwh"), unit="ct_per_kwh",
                          fee_eur_per_kwh=0.0, filename="nachmittag.csv")
    assert session.scalar(select(TariffPrice.id).where(TariffPrice.eur_per_kwh == 0.0)) is not None
    assert len(session.scalars(select(TariffPrice)).all()) == 24
    summary = tariffs.series_summary(session, site)
    assert (summary.rows, summary.last_import["filename"]) == (24, "nachmittag.csv")
    start = datetime(2025, 3, 1, 0, tzinfo=BERLIN).astimezone(UTC)
    curve = tariffs.load_curve(session, site, start, start + timedelta(days=1))
    assert curve.at(start + timedelta(hours=1, minutes=30)) == pytest.approx(0.31)
    assert curve.mean(start, start + timedelta(hours=2)) == pytest.approx(0.305)
    assert curve.at(start + timedelta(days=3)) == site.tariff_flat_eur_per_kwh  # not covered: the flat price


def test_time_of_use_table_is_validated_row_by_row(session, admin):
    with pytest.raises(Invalid) as refused:
        tariffs.set_time_of_use(session, admin, [{"weekdays": [], "from": "6", "to": "22:00", "eur_per_kwh": 0.3},
                                                 {"weekdays": [0], "from": "22:00", "to": "06:00", "eur_per_kwh": 99}],
                                default_eur_per_kwh=0.3)
    assert [(p.field, p.code) for p in refused.value.problems] == [
        ("rows-0-weekdays", "weekdays_required"), ("rows-0-start", "clock_unreadable"),
        ("rows-1-price", "price_implausible")]


def test_household_names_are_unique_per_site_ignoring_case(session, admin):
    households.create_household(session, admin, name="Lindenweg 4", address="EG links")
    with pytest.raises(Invalid):
        households.create_household(session, admin, name=" lindenweg 4 ")
    rows = households.households_with_counts(session, admin.site_id)
    assert [(r.household.name, r.members) for r in rows] == [("Lindenweg 4", 0)]


def test_household_names_ignore_case_beyond_ascii(session, admin):
    households.create_household(session, admin, name="Äpfelweg 2")
    with pytest.raises(Invalid):  # SQLite's lower() would let this through to the unique constraint
        households.create_household(session, admin, name="äpfelweg 2")
    with pytest.raises(Invalid):
        households.create_household(session, admin, name="ÄPFELWEG 2")


def test_deactivation_cancels_upcoming_bookings_and_ends_every_session(session, admin, make_user, make_vehicle,
                                                                       make_booking_row):
    anna, car = make_user(name="Anna"), make_vehicle()
    soon = (utcnow() + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    booking = make_booking_row(vehicle=car, user=anna, start=soon, end=soon + timedelta(hours=2))
    version = anna.session_version
    cancelled = user_admin.deactivate(session, admin, anna, reason="Konto deaktiviert")
    assert [b.id for b in cancelled] == [booking.id]
    session.expire_all()
    assert (anna.active, anna.session_version) == (False, version + 1)
    assert session.get(Booking, booking.id).status == "cancelled"
    with pytest.raises(Invalid):
        user_admin.deactivate(session, admin, admin, reason="x")
    user_admin.reactivate(session, admin, anna)
    assert anna.active


def test_role_and_household_changes(session, admin, make_user, make_household):
    anna, other = make_user(name="Anna"), make_household(name="Neu")
    user_admin.change_role(session, admin, anna, "admin")
    assert anna.role == "admin"
    user_admin.move_to_household(session, admin, anna, other)
    assert anna.household_id == other.id
    with pytest.raises(Invalid):
        user_admin.change_role(session, admin, admin, "resident")
    actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["user.role", "user.household"]


def test_search_filters_people(session, admin, make_user):
    make_user(name="Anna Schmidt"), make_user(name="Jonas Weber", active=False)
    found = session.scalars(user_admin.search_users(session, admin.site_id, text="schm")).all()
    assert [u.name for u in found] == ["Anna Schmidt"]
    gone = session.scalars(user_admin.search_users(session, admin.site_id, state="deactivated")).all()
    assert [u.name for u in gone] == ["Jonas Weber"]


CSV = ("E-Mail;Name;Haushalt;Sprache\n"
       "anna@example.org;Anna Schmidt;Lindenweg 4;de\n"
       "ANNA@example.org;Anna Zwei;Lindenweg 4;de\n"
       "taken@example.org;Tom Taken;Lindenweg 4;en\n"
       "nina@example.org;;Am Bach;fr\n"
       "jonas@example.org;Jonas Weber;Am Bach;en\n")


def test_bulk_rows_are_checked_then_the_good_ones_invited_in_one_batch(session, admin, make_user, make_household):
    make_user(email="taken@example.org")
    make_household(name="lindenweg 4")
    rows, problem = bulk_invite.parse_rows(CSV)
    assert problem is None
    checked = bulk_invite.check_rows(session, admin.site_id, rows)
    assert [(r.line, r.problems) for r in checked] == [
        (2, []), (3, ["email_repeated"]), (4, ["email_taken"]), (5, ["name_missing", "language_unknown"]), (6, [])]
    assert checked[1].duplicate_of == 2
    assert [r.new_household for r in checked] == [False, False, False, True, True]
    sent = []
    batch = bulk_invite.invite_rows(session, admin, checked, valid_for=timedelta(days=7), send=sent.append)
    assert len(sent) == 2 and batch.after["skipped_lines"] == [3, 4, 5]
    jonas = session.scalar(select(User).where(User.email == "jonas@example.org"))
    assert (jonas.language, jonas.household.name) == ("en", "Am Bach")
    assert session.scalar(select(User).where(User.email == "anna@example.org")).household.name == "lindenweg 4"
    assert len(session.scalars(select(Household)).all()) == 3  # lindenweg 4, Am Bach, and taken@'s own
    progress = bulk_invite.batch_progress(session, batch)
    assert progress.total == 2


def test_headerless_files_and_unusable_files():
    rows, problem = bulk_invite.parse_rows("Anna Schmidt,anna@example.org,Lindenweg 4\n")
    assert problem is None and (rows[0].name, rows[0].email, rows[0].household) == (
        "Anna Schmidt", "anna@example.org", "Lindenweg 4")
    assert bulk_invite.parse_rows("")[1] == "file_empty"
    assert bulk_invite.parse_rows("foo;bar\n1;2\n")[1] == "header_unknown"


def test_batch_progress_follows_the_outbox(session, admin, app):
    from sharing.services import outbox

    rows = bulk_invite.check_rows(session, admin.site_id, bulk_invite.parse_rows(
        "name,email,household\nA,a@example.org,H\nB,b@example.org,H\n")[0])

    def send(issued):
        outbox.enqueue(session, to=issued.user.email, subject="Einladung", body_text="...")

    batch = bulk_invite.invite_rows(session, admin, rows, valid_for=timedelta(days=1), send=send)
    assert bulk_invite.batch_progress(session, batch).count("pending") == 2
    outbox.deliver_due(session, app.config, limit=1)
    progress = bulk_invite.batch_progress(session, batch)
    assert (progress.count("sent"), progress.count("pending"), progress.done) == (1, 1, False)
    assert session.scalars(select(OutboxMessage.status).order_by(OutboxMessage.id)).all() == ["sent", "pending"]


def test_a_month_missing_between_two_imports_costs_the_flat_price(session, admin, site):
    for day in ("01", "03"):
        text = "time;price\n" + "\n".join(f"2025-03-{day} {h:02d}:00;10" for h in range(24))
        tariffs.import_series(session, admin, parse_price_csv(text, BERLIN, unit="ct_per_kwh"), unit="ct_per_kwh",
                              fee_eur_per_kwh=0.0, filename=f"{day}.csv")
    start = datetime(2025, 3, 1, 0, tzinfo=BERLIN).astimezone(UTC)
    curve = tariffs.load_curve(session, site, start, start + timedelta(days=3))
    assert curve.at(start + timedelta(days=1, hours=5)) == site.tariff_flat_eur_per_kwh  # 2 March: no prices
    assert curve.mean(start, start + timedelta(days=3)) == pytest.approx((0.1 * 2 + site.tariff_flat_eur_per_kwh) / 3)
