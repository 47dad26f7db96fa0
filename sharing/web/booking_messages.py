"""Reasons and suggestions in words a resident understands, and as JSON for the API."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from babel import dates as babel_dates
from flask_babel import get_locale
from flask_babel import gettext as _

from ..domain.errors import Reason
from ..domain.intervals import TimeSlot
from ..domain.suggestions import Suggestion, Suggestions


def _time(moment, zone: ZoneInfo, with_date: bool = True) -> str:
    locale = get_locale() or "de"
    pattern = ("EEE d.M. HH:mm" if str(locale) == "de" else "EEE d/M HH:mm") if with_date else "HH:mm"
    return babel_dates.format_datetime(moment, pattern, tzinfo=zone, locale=locale)


def _span(slot: TimeSlot, zone: ZoneInfo) -> tuple[str, str]:
    same_day = slot.start.astimezone(zone).date() == slot.end.astimezone(zone).date()
    return _time(slot.start, zone), _time(slot.end, zone, with_date=not same_day)


def reason_message(reason: Reason, zone: ZoneInfo) -> str:
    """One sentence for one reason, in the current language."""
    p, rule = reason.params, reason.rule
    if reason.interval is not None:
        start, end = _span(reason.interval, zone)
    else:
        start = end = ""
    messages = {
        "vehicle_booked": lambda: _("The car is booked from %(start)s to %(end)s.", start=start, end=end),
        "buffer_conflict": lambda: _(
            "The car is booked from %(start)s to %(end)s, and %(minutes)s minutes are kept free between two "
            "bookings for the handover.", start=start, end=end, minutes=rule.get("buffer_minutes", 0)),
        "blockout": lambda: _("The car is in maintenance from %(start)s to %(end)s.", start=start, end=end),
        "vehicle_unavailable": lambda: _("This car cannot be booked at the moment (maintenance or retired)."),
        "off_grid": lambda: _("Bookings start and end on the quarter hour (every %(n)s minutes).",
                              n=rule.get("grid_minutes", 15)),
        "in_past": lambda: _("The start lies in the past."),
        "too_short": lambda: _("A booking lasts at least %(n)s minutes.", n=rule.get("min_duration_minutes")),
        "too_long": lambda: _("A booking lasts at most %(n)s hours.", n=_num(rule.get("max_duration_hours"))),
        "too_far_ahead": lambda: _("You can book at most %(n)s days ahead.", n=rule.get("max_advance_days")),
        "household_booking_limit": lambda: _(
            "Your household already has %(used)s upcoming bookings; at most %(limit)s are allowed at a time.",
            used=p.get("used"), limit=rule.get("max_future_bookings")),
        "household_hours_limit": lambda: _(
            "With this booking your household would have %(hours)s hours booked within 7 days; at most "
            "%(limit)s hours are allowed.", hours=_num(p.get("hours")), limit=_num(rule.get("max_hours_per_7_days"))),
        "insufficient_charge": lambda: _(
            "The car will probably only have charge for about %(km)s km by then, not enough for your trip "
            "plus the reserve.", km=p.get("range_km")),
        "charge_plan_conflict": lambda: _(
            "With this booking the car could not be charged in time for bookings already made. Please choose "
            "another time or another car."),
        "distance_exceeds_range": lambda: _("This car can drive at most about %(km)s km on one charge.",
                                            km=p.get("max_km")),
        "nonexistent_local_time": lambda: _(
            "This time does not exist: the clocks are put forward that night (%(time)s). Please choose another "
            "time.", time=p.get("local", "").replace("T", " ")),
        "end_before_start": lambda: _("The end must be after the start."),
        "unknown_vehicle": lambda: _("Please choose a car."),
        "no_household": lambda: _("Your account does not belong to a household, so it cannot book."),
        "extension_not_later": lambda: _("The new end must be later than the current end."),
        "odometer_invalid": lambda: _("Please enter the odometer reading in kilometres."),
        "odometer_below_previous": lambda: _("The odometer reading cannot be lower than before (%(km)s km).",
                                             km=p.get("previous")),
        "soc_invalid": lambda: _("The charge level is a percentage between 0 and 100."),
        "no_weekdays": lambda: _("Please choose at least one weekday."),
        "until_before_first": lambda: _("The last day must not be before the first day."),
        "series_too_long": lambda: _("A weekly series can run for at most one year."),
    }
    return messages.get(reason.kind, lambda: _("This booking is not possible."))()


def _num(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def action_message(code: str) -> str:
    """A sentence for a BookingActionNotAllowed code."""
    messages = {
        "not_changeable": _("This booking can no longer be changed."),
        "already_started": _("This booking has already started; it can only be extended."),
        "not_cancellable": _("This booking can no longer be cancelled."),
        "too_late_to_cancel": _("The booking has started and can no longer be cancelled. Please return the car."),
        "reason_required": _("Please give a reason; the resident will be told."),
        "not_confirmed": _("Only a confirmed booking can be picked up."),
        "too_early": _("The car can be picked up shortly before the booking starts."),
        "already_over": _("This booking is already over."),
        "not_active": _("Only a car that has been picked up can be returned."),
        "not_extendable": _("This booking cannot be extended."),
        "not_pending": _("This booking is not waiting for approval."),
        "admin_only": _("Only administrators may do this."),
        "not_yours": _("This is not your booking."),
        "not_allowed_on_behalf": _("Only administrators may book for someone else."),
    }
    return messages.get(code, _("This is not possible."))


def reason_dict(reason: Reason, zone: ZoneInfo) -> dict[str, Any]:
    """The machine-readable reason plus its message (for the API and for htmx)."""
    data: dict[str, Any] = {"kind": reason.kind, "field": reason.field, "rule": reason.rule,
                            "message": reason_message(reason, zone)}
    if reason.interval is not None:
        data["interval"] = slot_dict(reason.interval, zone)
    return data


def slot_dict(slot: TimeSlot, zone: ZoneInfo) -> dict[str, str]:
    return {"start": slot.start.isoformat().replace("+00:00", "Z"), "end": slot.end.isoformat().replace("+00:00", "Z"),
            "start_local": slot.start.astimezone(zone).isoformat(), "end_local": slot.end.astimezone(zone).isoformat()}


def suggestion_label(suggestion: Suggestion, zone: ZoneInfo) -> str:
    """"Die Blaue, Sat 14:00–16:30" style label."""
    start, end = _span(suggestion.slot, zone)
    label = _("%(car)s from %(start)s to %(end)s", car=suggestion.vehicle_name, start=start, end=end)
    if not suggestion.enough_range:
        label += " " + _("(may not be charged enough)")
    return label


def suggestions_dicts(suggestions: Suggestions | None, zone: ZoneInfo, distance_km: float = 0) -> list[dict]:
    """Every suggestion with the exact request that books it."""
    if suggestions is None:
        return []
    return [{"kind": s.kind, "vehicle_id": s.vehicle_id, "vehicle_name": s.vehicle_name,
             "enough_range": s.enough_range, **slot_dict(s.slot, zone), "label": suggestion_label(s, zone),
             "book": {"vehicle_id": s.vehicle_id, "start": slot_dict(s.slot, zone)["start"],
                      "end": slot_dict(s.slot, zone)["end"], "distance_km": distance_km}}
            for s in suggestions.all()]
