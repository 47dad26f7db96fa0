"""RFC 9457 problem documents: every error of the API, in the caller's language."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request
from flask_babel import gettext as _
from pydantic import ValidationError

#: Slugs of the problem types (documented on /api/v1/docs#problems).
TYPES = {
    400: "bad-request", 401: "unauthorized", 403: "forbidden", 404: "not-found", 405: "method-not-allowed",
    406: "not-acceptable", 409: "conflict", 413: "too-large", 415: "unsupported-media-type",
    422: "invalid-input", 429: "too-many-requests", 500: "server-error",
}


def titles() -> dict[int, str]:
    return {
        400: _("Bad request"), 401: _("Authentication required"), 403: _("Not allowed"), 404: _("Not found"),
        405: _("Method not allowed"), 406: _("Not acceptable"), 409: _("Conflict"), 413: _("Request too large"),
        415: _("Unsupported media type"), 422: _("Invalid input"), 429: _("Too many requests"),
        500: _("Server error"),
    }


def default_details() -> dict[int, str]:
    return {
        400: _("The request could not be read."),
        401: _("Send a valid personal access token as: Authorization: Bearer <token>."),
        403: _("This token or account may not do this."),
        404: _("There is no such object, or you may not see it."),
        405: _("This method is not possible on this address."),
        409: _("The request conflicts with the current state."),
        413: _("The request body is too large."),
        415: _("Send the request body as application/json."),
        422: _("Some values are not valid; see errors."),
        429: _("Too many requests with this token. Please wait and try again."),
        500: _("An error occurred on our side. Nothing was saved."),
    }


class ApiProblem(Exception):
    """Raised anywhere in an API view: becomes a problem+json response."""

    def __init__(self, status: int, detail: str | None = None, *, headers: dict[str, str] | None = None,
                 **extra: Any):
        super().__init__(detail or str(status))
        self.status, self.detail, self.headers, self.extra = status, detail, headers or {}, extra


def problem_response(status: int, detail: str | None = None, *, headers: dict[str, str] | None = None,
                     **extra: Any) -> Response:
    """The problem document (validated against ProblemOut, so it always matches the published schema)."""
    from .schemas import ProblemOut

    document = ProblemOut(type=f"{request.url_root}api/v1/docs#problem-{TYPES.get(status, 'error')}",
                          title=titles().get(status, _("Error")), status=status,
                          detail=detail or default_details().get(status, ""), instance=request.path,
                          **{k: v for k, v in extra.items() if v is not None})
    response = jsonify(document.model_dump(mode="json", exclude_none=True))
    response.status_code = status
    response.mimetype = "application/problem+json"
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def unauthorized(detail: str | None = None, error: str | None = None) -> ApiProblem:
    challenge = 'Bearer realm="api"' + (f', error="{error}"' if error else "")
    return ApiProblem(401, detail, headers={"WWW-Authenticate": challenge})


def not_found() -> ApiProblem:
    return ApiProblem(404)


def _field_message(error: dict) -> str:
    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    messages = {
        "missing": lambda: _("This value is required."),
        "extra_forbidden": lambda: _("This field is not known."),
        "string_too_long": lambda: _("At most %(n)s characters.", n=ctx.get("max_length")),
        "string_too_short": lambda: _("At least %(n)s characters.", n=ctx.get("min_length")),
        "too_long": lambda: _("At most %(n)s entries.", n=ctx.get("max_length")),
        "too_short": lambda: _("At least %(n)s entries.", n=ctx.get("min_length")),
        "greater_than_equal": lambda: _("At least %(n)s.", n=ctx.get("ge")),
        "less_than_equal": lambda: _("At most %(n)s.", n=ctx.get("le")),
        "greater_than": lambda: _("More than %(n)s.", n=ctx.get("gt")),
        "less_than": lambda: _("Less than %(n)s.", n=ctx.get("lt")),
        "int_type": lambda: _("A whole number is expected."),
        "int_parsing": lambda: _("A whole number is expected."),
        "int_from_float": lambda: _("A whole number is expected."),
        "float_type": lambda: _("A number is expected."),
        "float_parsing": lambda: _("A number is expected."),
        "finite_number": lambda: _("A finite number is expected."),
        "bool_type": lambda: _("true or false is expected."),
        "bool_parsing": lambda: _("true or false is expected."),
        "string_type": lambda: _("A text is expected."),
        "list_type": lambda: _("A list is expected."),
        "model_type": lambda: _("A JSON object is expected."),
        "dict_type": lambda: _("A JSON object is expected."),
        "literal_error": lambda: _("Please use one of: %(values)s.", values=ctx.get("expected", "")),
        "enum": lambda: _("Please use one of: %(values)s.", values=ctx.get("expected", "")),
        "timezone_aware": lambda: _("The time needs an offset, e.g. 2026-05-01T14:00:00+02:00."),
        "value_error": lambda: _("Not valid: %(why)s.", why=str(ctx.get("error", ""))),
    }
    make = messages.get(kind)
    return make() if make else _("This value is not valid.")


def validation_problem(error: ValidationError, where: str) -> ApiProblem:
    """A 422 listing every refused value (or 400 if the body is not JSON at all)."""
    problems = []
    for item in error.errors(include_url=False, include_input=False):
        if item.get("type") == "json_invalid":
            return ApiProblem(400, _("The request body is not valid JSON."))
        location = ".".join(str(part) for part in (where, *item.get("loc", ())))
        problems.append({"field": location, "code": item.get("type", "invalid"), "message": _field_message(item)})
    return ApiProblem(422, errors=problems)
