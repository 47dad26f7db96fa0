"""iCalendar (RFC 5545) for one booking and for a user's feed."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone

from ..models import Booking, Site, utcnow

PRODID = "-//Quartierauto//Buchungen//DE"


def booking_uid(booking: Booking) -> str:
    """Stable per booking, so calendar programs update instead of duplicating."""
    return f"booking-{booking.id}@quartierauto"


def _event(booking: Booking, site: Site) -> Event:
    zone = ZoneInfo(site.timezone)
    event = Event()
    event.add("uid", booking_uid(booking))
    event.add("dtstamp", utcnow())
    event.add("dtstart", booking.start_at.astimezone(zone))
    event.add("dtend", booking.end_at.astimezone(zone))
    event.add("sequence", booking.sequence)
    event.add("summary", f"Quartierauto: {booking.vehicle.name} ({booking.vehicle.licence_plate})")
    event.add("location", booking.vehicle.handover_note.splitlines()[0] if booking.vehicle.handover_note else site.name)
    description = [booking.vehicle.model]
    if booking.note:
        description.append(booking.note)
    event.add("description", "\n".join(description))
    event.add("last-modified", booking.updated_at)
    status = {"cancelled": "CANCELLED", "declined": "CANCELLED", "no_show": "CANCELLED",
              "pending": "TENTATIVE"}.get(booking.status, "CONFIRMED")
    event.add("status", status)
    return event


@lru_cache(maxsize=8)
def _vtimezone(zone_name: str) -> str:
    """The VTIMEZONE of a zone as text; building it walks the zone's history, so it is built once."""
    return Timezone.from_tzinfo(ZoneInfo(zone_name)).to_ical().decode()


def _calendar(events: Iterable[Event], name: str, zone_name: str, method: str | None = None) -> str:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    if method:
        calendar.add("method", method)
    for event in events:
        calendar.add_component(event)
    text = calendar.to_ical().decode()
    # The cached VTIMEZONE is spliced in as text: parsing it back for every calendar costs more than the rest.
    anchor = "BEGIN:VEVENT" if "BEGIN:VEVENT" in text else "END:VCALENDAR"
    return text.replace(anchor, _vtimezone(zone_name) + anchor, 1)


def booking_calendar(booking: Booking, site: Site, *, method: str = "PUBLISH") -> str:
    """One booking as an .ics file (attached to confirmation, change and cancellation mails)."""
    return _calendar([_event(booking, site)], f"Quartierauto – {site.name}", site.timezone, method=method)


def feed(bookings: Iterable[Booking], site: Site) -> str:
    """A user's calendar feed: their household's bookings, cancelled ones marked CANCELLED."""
    return _calendar((_event(b, site) for b in bookings), f"Quartierauto – {site.name}", site.timezone)
