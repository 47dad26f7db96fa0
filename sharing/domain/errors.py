"""Domain errors: they carry machine-readable reasons and know nothing of HTTP."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from .intervals import TimeSlot


@dataclass(frozen=True)
class Reason:
    """Why a request cannot be granted, in machine-readable form.

    `kind` names the problem ("vehicle_booked", "too_short" ...), `rule` the rule and its
    value ({"buffer_minutes": 15}), `interval` the conflicting time if there is one,
    `field` the form field it concerns, `params` what a message needs. The web layer
    turns it into a sentence in the user's language.
    """

    kind: str
    field: str | None = None
    interval: TimeSlot | None = None
    rule: dict[str, Any] = dataclasses.field(default_factory=dict)
    params: dict[str, Any] = dataclasses.field(default_factory=dict)


class DomainError(Exception):
    """Base of the errors the domain raises."""


class BookingRejected(DomainError):
    """A booking request broke one or more rules; every reason is listed."""

    def __init__(self, reasons: list[Reason], suggestions: Any = None):
        super().__init__(", ".join(r.kind for r in reasons))
        self.reasons = reasons
        self.suggestions = suggestions
