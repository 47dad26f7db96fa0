"""The error the administration services raise for refused input."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One refused value: the form field it concerns, a code for the message, and its parameters."""

    field: str | None
    code: str
    params: dict[str, Any] = field(default_factory=dict)


class Invalid(Exception):
    """The input breaks one or more rules; every problem is listed (nothing was stored)."""

    def __init__(self, *problems: Problem):
        super().__init__(", ".join(p.code for p in problems))
        self.problems = list(problems)


def refuse(field_name: str | None, code: str, **params: Any) -> Invalid:
    """An Invalid with a single problem."""
    return Invalid(Problem(field_name, code, params))
