"""The route table of the API: each operation declares its schemas once; they validate the request,
shape the response and make the OpenAPI document (so the description cannot drift from the code)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request
from flask_babel import force_locale
from pydantic import BaseModel, ValidationError

from ...extensions import db
from ...models import User
from ...services import api_tokens
from .problems import ApiProblem, unauthorized, validation_problem

PREFIX = "/api/v1"


@dataclass
class Operation:
    """One method on one path, with what it takes and gives."""

    method: str
    rule: str
    func: Callable
    summary: str
    tag: str
    scope: str | None = "read"
    admin: bool = False
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    errors: tuple[int, ...] = ()
    description: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def endpoint(self) -> str:
        return self.func.__name__

    @property
    def openapi_path(self) -> str:
        return PREFIX + re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", self.rule)

    @property
    def path_params(self) -> list[str]:
        return re.findall(r"<(?:[a-z]+:)?([a-z_]+)>", self.rule)


OPERATIONS: list[Operation] = []


class Caller:
    """Who calls: the token's user and scopes. An administrator's token without the admin scope acts
    with a resident's rights (it sees and changes only the own household's bookings)."""

    def __init__(self, user: User, scopes: frozenset[str]):
        self.user, self.scopes = user, scopes
        self.actor = user if (not user.is_admin or "admin" in scopes) else _AsResident(user)


class _AsResident:
    """A user seen without administrator rights (every attribute as the user's, but not is_admin)."""

    is_admin = False

    def __init__(self, user: User):
        object.__setattr__(self, "_user", user)

    def __getattr__(self, name: str):
        return getattr(self._user, name)


def operation(bp: Blueprint, method: str, rule: str, *, summary: str, tag: str, **options: Any):
    """Declare an API operation and register its view on the blueprint."""

    def decorator(func: Callable) -> Callable:
        if options.get("response") is None:
            options.setdefault("status", 204)
        op = Operation(method, rule, func, summary, tag, description=(func.__doc__ or "").strip(), **options)
        OPERATIONS.append(op)

        def view(**path: Any) -> Response:
            return _handle(op, path)

        view.__name__ = func.__name__
        bp.add_url_rule(rule, endpoint=func.__name__, view_func=view, methods=[method])
        return func

    return decorator


def api_language() -> str:
    """The request's language: Accept-Language (de or en), German by default."""
    languages = current_app.config["LANGUAGES"]
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def _handle(op: Operation, path: dict[str, Any]) -> Response:
    with force_locale(api_language()):
        caller = authenticate(op)
        kwargs: dict[str, Any] = dict(path)
        if op.query is not None:
            kwargs["query"] = parse_query(op.query)
        if op.body is not None:
            kwargs["body"] = parse_body(op.body)
        result = op.func(caller, **kwargs)
        return render(op, result)


def authenticate(op: Operation) -> Caller | None:
    """The caller of a protected operation (401 without a valid token, 403 without the scope or role)."""
    if op.scope is None:
        return None
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise unauthorized()
    token = api_tokens.authenticate(db.session, secret.strip())
    if token is None:
        raise unauthorized(error="invalid_token")
    scopes = token.scope_set
    if op.scope not in scopes:
        raise ApiProblem(403, code="insufficient_scope",
                         headers={"WWW-Authenticate": f'Bearer realm="api", error="insufficient_scope", '
                                                      f'scope="{op.scope}"'})
    if op.admin and not token.user.is_admin:
        raise ApiProblem(403, code="admin_only")
    g.api_token_id, g.api_user = token.id, token.user
    return Caller(token.user, scopes)


def parse_query(model: type[BaseModel]) -> BaseModel:
    values = {}
    for key in request.args:
        items = request.args.getlist(key)
        values[key] = items[0] if len(items) == 1 else items
    try:
        return model.model_validate(values)
    except ValidationError as error:
        raise validation_problem(error, "query") from None


def parse_body(model: type[BaseModel]) -> BaseModel:
    if request.mimetype != "application/json" and not request.mimetype.endswith("+json"):
        raise ApiProblem(415, headers={"Accept-Post": "application/json"})
    raw = request.get_data(cache=False)
    try:
        g.api_body = model.model_validate_json(raw, strict=True)
        return g.api_body
    except ValidationError as error:
        raise validation_problem(error, "body") from None
    except UnicodeDecodeError:
        raise ApiProblem(400) from None


def render(op: Operation, result: Any) -> Response:
    """The handler's result as JSON with the declared status (or 204 without a body)."""
    headers = {}
    if isinstance(result, tuple):
        result, headers = result
    if op.response is None:
        response = Response(status=204)
    else:
        document = result if isinstance(result, op.response) else op.response.model_validate(result)
        response = jsonify(document.model_dump(mode="json"))
        response.status_code = op.status
    response.headers.update(headers)
    return response
