"""Sentences for the codes the administration services and file readers give, in the user's language."""

from __future__ import annotations

from flask_babel import format_currency, format_datetime, format_decimal, format_percent
from flask_babel import gettext as _

from ...services.admin_errors import Problem


def problem_message(problem: Problem) -> str:
    """One sentence for a refused value."""
    p = problem.params
    messages = {
        "required": lambda: _("Please fill in this field."),
        "site_name_taken": lambda: _("Another neighbourhood already has this name."),
        "unknown_timezone": lambda: _("Please choose a time zone from the list."),
        "out_of_range": lambda: _("Please enter a value from %(low)s to %(high)s.", low=p.get("low"),
                                  high=p.get("high")),
        "grid_not_divisor": lambda: _("Please choose a step that divides the hour."),
        "not_multiple_of_grid": lambda: _("The shortest booking must be a multiple of %(n)s minutes.", n=p.get("grid")),
        "max_below_min": lambda: _("The longest booking cannot be shorter than the shortest one."),
        "threshold_above_max": lambda: _("No booking can be that long: the longest booking is shorter."),
        "unknown_choice": lambda: _("Please choose one of the options."),
        "negative": lambda: _("Please enter zero or more."),
        "price_implausible": lambda: _("This price is not plausible. Please check the value and the unit."),
        "weekdays_required": lambda: _("Row %(row)s: please tick at least one day.", row=p.get("row")),
        "clock_unreadable": lambda: _("Row %(row)s: please enter times as HH:MM, for example 06:00 and 22:00.",
                                      row=p.get("row")),
        "table_empty": lambda: _("Please fill in at least one row."),
        "file_has_errors": lambda: _("The file has %(n)s problems; nothing was imported.", n=p.get("count")),
        "plate_taken": lambda: _("Another car of this neighbourhood has this licence plate."),
        "use_retire": lambda: _("Please use “Retire car” for this: it takes care of the car's bookings."),
        "has_future_bookings": lambda: _(
            "This car has %(n)s upcoming bookings. Please enter a maintenance blockout instead: it shows the "
            "bookings and lets you move or cancel them.", n=p.get("count")),
        "photo_too_large": lambda: _("The photo is too large: at most %(mb)s MB.", mb=p.get("mb")),
        "photo_type": lambda: _("Please choose a JPEG, PNG or WebP picture."),
        "point_name_taken": lambda: _("Another charging point has this name."),
        "household_name_taken": lambda: _("Another household already has this name."),
        "not_on_yourself": lambda: _("You cannot do this to your own account. Ask another administrator."),
        "household_required": lambda: _("Residents belong to a household. Please choose one first."),
        "nonexistent_local_time": lambda: _("This time does not exist: the clocks are put forward that night."),
        "end_before_start": lambda: _("The end must come after the start."),
        "start_in_past": lambda: _("The blockout must not start in the past."),
        "car_in_use": lambda: _("The car is on the road during this time (until %(until)s). Please start the "
                                "blockout after its return.", until=format_datetime(p.get("until"), "short")),
        "bookings_changed": lambda: _("Bookings have changed in the meantime. Please check the list again."),
        "resolution_missing": lambda: _("Please choose what happens to each booking."),
        "vehicle_not_free": lambda: _("The chosen car is no longer free at that time."),
        "inactive_account": lambda: _("This account is deactivated. Reactivate it first."),
    }
    make = messages.get(problem.code)
    return make() if make else _("Please check this value.")


def csv_row_message(code: str, params: dict) -> str:
    """One sentence for a problem in a line of an uploaded price or invitation file."""
    p = params
    messages = {
        "file_empty": lambda: _("The file has no rows."),
        "too_many_rows": lambda: _("The file has too many rows (at most %(n)s).", n=p.get("max")),
        "header_unknown": lambda: _("The columns were not recognised. The first line should name them, for example "
                                    "“time;price” or “name;e-mail;household”."),
        "columns_missing": lambda: _("This line has too few columns."),
        "time_unreadable": lambda: _("“%(value)s” is not a date and time I can read (e.g. 2025-03-01 14:00 or "
                                     "01.03.2025 14:00).", value=p.get("value")),
        "time_nonexistent": lambda: _("%(value)s does not exist (the clocks are put forward that night). Add a zone "
                                      "column (CET/CEST) or use times with an offset.", value=p.get("value")),
        "price_missing": lambda: _("The price is missing."),
        "price_unreadable": lambda: _("“%(value)s” is not a number.", value=p.get("value")),
        "price_implausible": lambda: _("“%(value)s” is not a plausible price in the chosen unit.",
                                       value=p.get("value")),
        "not_after_previous": lambda: _("This time does not come after the previous line (repeated or out of order)."),
        "too_few_rows": lambda: _("At least two prices are needed."),
        "step_unsupported": lambda: _("The prices are %(n)s minutes apart; please upload prices per hour or per 15 "
                                      "minutes.", n=p.get("minutes")),
        "gap_before": lambda: _("%(n)s prices are missing before this line.", n=p.get("missing")),
        "step_irregular": lambda: _("This line is %(n)s minutes after the previous one instead of %(step)s.",
                                    n=p.get("minutes"), step=p.get("step")),
        "name_missing": lambda: _("The name is missing."),
        "name_too_long": lambda: _("The name is too long (at most 120 characters)."),
        "email_missing": lambda: _("The e-mail address is missing."),
        "email_invalid": lambda: _("This is not a valid e-mail address."),
        "email_taken": lambda: _("There is already an account with this e-mail address."),
        "email_repeated": lambda: _("This address appears earlier in the file (line %(line)s).", line=p.get("line")),
        "household_missing": lambda: _("The household is missing."),
        "household_too_long": lambda: _("The household name is too long (at most 120 characters)."),
        "language_unknown": lambda: _("The language must be “de” or “en”."),
    }
    make = messages.get(code)
    return make() if make else _("This line could not be read.")


def euro(value: float | None) -> str:
    """An amount as “1.234,50 €” (German) or “€1,234.50”."""
    return format_currency(value or 0.0, "EUR")


def decimal(value: float | None, digits: int = 1) -> str:
    """A number with a fixed count of decimals, in the page's language."""
    return format_decimal(value or 0.0, format="#,##0" + ("." + "0" * digits if digits else ""))


def percent(fraction: float | None, digits: int = 1) -> str:
    """0.253 as “25,3 %”."""
    return format_percent(fraction or 0.0, format="#,##0." + "0" * digits + " %" if digits else "#,##0 %")


def booking_state_labels() -> dict[str, str]:
    """Each booking state in words, in the order of the booking's life."""
    return {"pending": _("waiting for approval"), "confirmed": _("confirmed"), "active": _("on the road"),
            "completed": _("completed"), "cancelled": _("cancelled"), "declined": _("declined"),
            "no_show": _("not picked up")}


def audit_action_label(action: str) -> str:
    """An audited action in words ("vehicle.retire" -> "Car retired"); unknown ones as they are."""
    labels = {
        "vehicle.create": _("Car added"), "vehicle.update": _("Car changed"), "vehicle.photo": _("Car photo changed"),
        "vehicle.retire": _("Car retired"), "charging_point.create": _("Charging point added"),
        "charging_point.update": _("Charging point changed"), "blockout.create": _("Blockout entered"),
        "blockout.delete": _("Blockout removed"), "site.update": _("Settings changed"),
        "site.rules": _("Booking rules changed"), "site.cost_split": _("Cost split changed"),
        "site.tariff": _("Tariff changed"), "site.tariff_import": _("Prices imported"),
        "household.create": _("Household created"), "household.update": _("Household changed"),
        "user.invite": _("Person invited"), "user.reinvite": _("Invitation sent again"),
        "user.bulk_invite": _("Invitations from a file"), "user.accept_invitation": _("Invitation accepted"),
        "user.role": _("Role changed"), "user.household": _("Moved to another household"),
        "user.deactivate": _("Account deactivated"), "user.reactivate": _("Account reactivated"),
        "user.password_reset_sent": _("Password link sent"), "user.reset_password": _("Password reset"),
        "user.change_password": _("Password changed"), "user.create_admin": _("Administrator created"),
        "booking.create": _("Booking made"), "booking.change": _("Booking changed"),
        "booking.cancel": _("Booking cancelled"), "booking.approve": _("Booking approved"),
        "booking.decline": _("Booking declined"), "booking.move_reason": _("Reason for a change"),
        "booking.pick_up": _("Car picked up"), "booking.return": _("Car returned"),
        "booking.extend": _("Booking extended"), "booking.no_show": _("Booking not picked up"),
        "booking.complete": _("Booking completed"),
    }
    return labels.get(action, action)


def audit_changes(event) -> list[tuple[str, object, object]]:
    """(field, before, after) of every value an audit event names."""
    before, after = event.before or {}, event.after or {}
    return [(key, before.get(key), after.get(key)) for key in dict.fromkeys([*before, *after])]
