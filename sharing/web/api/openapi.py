"""The OpenAPI 3.1 document, assembled from the route table and the pydantic schemas."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from .problems import TYPES
from .registry import OPERATIONS, Operation
from .schemas import ProblemOut
from .types import MAX_ID

REF = "#/components/schemas/{model}"
PROBLEM_REF = {"$ref": "#/components/schemas/ProblemOut"}
#: Errors every protected operation can answer.
COMMON_ERRORS = (401, 403, 429)
DESCRIPTION = """Quartierauto's JSON API. Authenticate with a personal access token (account page, or
`flask --app wsgi create-token EMAIL`) sent as `Authorization: Bearer <token>`; scopes: read, book,
admin. Times are RFC 3339 with an offset; answers give UTC (`start`) and the site's local time
(`start_local`). Lists of bookings and users are paged with `page` and `per_page` (at most 100);
the answer says `total` and `next_page` (null on the last page). Errors are RFC 9457 problem
documents (application/problem+json). Messages follow Accept-Language (de, en; German by default)."""


def _status_text(status: int) -> str:
    return TYPES.get(status, "error").replace("-", " ")


def _problem(status: int) -> dict:
    return {"description": _status_text(status), "content": {"application/problem+json": {"schema": PROBLEM_REF}}}


def _parameters(op: Operation, schemas: dict[tuple, Any], components: dict) -> list[dict]:
    params = [{"name": name, "in": "path", "required": True,
               "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}} for name in op.path_params]
    if op.query is not None:
        schema = op.query.model_json_schema(ref_template=REF, mode="validation")
        components.update(schema.pop("$defs", {}))
        required = set(schema.get("required", ()))
        for name, prop in schema.get("properties", {}).items():
            description = prop.pop("description", None)
            prop.pop("title", None)
            prop = _not_null(prop)
            param = {"name": name, "in": "query", "required": name in required, "schema": prop}
            if description:
                param["description"] = description
            params.append(param)
    return params


def _not_null(schema: dict) -> dict:
    """A query parameter is absent or has a value: drop the JSON null alternative and its null default."""
    variants = schema.get("anyOf")
    if variants and any(v == {"type": "null"} for v in variants):
        rest = [v for v in variants if v != {"type": "null"}]
        schema = {**{k: v for k, v in schema.items() if k not in ("anyOf", "default")},
                  **(rest[0] if len(rest) == 1 else {"anyOf": rest})}
    return schema


def _responses(op: Operation, refs: dict[tuple, Any]) -> dict:
    responses: dict[str, Any] = {}
    if op.response is None:
        responses[str(op.status)] = {"description": "done"}
    else:
        responses[str(op.status)] = {"description": "success", "content": {
            "application/json": {"schema": refs[(op.response, "serialization")]}}}
    statuses = set(op.errors)
    if op.scope is not None:
        statuses |= set(COMMON_ERRORS)
    if op.query is not None or op.body is not None:
        statuses |= {400, 422}
    if op.body is not None:
        statuses |= {409, 413, 415}  # 409 also for a unique value taken meanwhile
    if op.path_params:
        statuses.add(404)
    for status in sorted(statuses):
        responses[str(status)] = _problem(status)
    return responses


def _models() -> list[tuple[type[BaseModel], str]]:
    wanted: list[tuple[type[BaseModel], str]] = [(ProblemOut, "serialization")]
    for op in OPERATIONS:
        if op.body is not None:
            wanted.append((op.body, "validation"))
        if op.response is not None:
            wanted.append((op.response, "serialization"))
    return list(dict.fromkeys(wanted))


def build_document(server_url: str = "/") -> dict:
    """The whole OpenAPI 3.1 document."""
    refs, defs = models_json_schema(_models(), ref_template=REF)
    components: dict[str, Any] = dict(defs.get("$defs", {}))
    paths: dict[str, dict] = {}
    for op in OPERATIONS:
        entry: dict[str, Any] = {
            "operationId": op.endpoint, "summary": op.summary, "tags": [op.tag],
            "parameters": _parameters(op, refs, components), "responses": _responses(op, refs),
        }
        if op.description:
            entry["description"] = op.description
        if op.scope is not None:
            entry["security"] = [{"bearerAuth": [op.scope]}]
            entry["x-scope"] = op.scope
            entry["x-admin-only"] = op.admin
        else:
            entry["security"] = []
        if op.body is not None:
            entry["requestBody"] = {"required": True, "content": {
                "application/json": {"schema": refs[(op.body, "validation")]}}}
        paths.setdefault(op.openapi_path, {})[op.method.lower()] = entry
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "info": {"title": "Quartierauto API", "version": "1.0.0", "description": DESCRIPTION},
        "servers": [{"url": server_url.rstrip("/") or "/"}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                               "description": "Personal access token (scopes read, book, admin)."}},
        },
        "tags": [{"name": name} for name in dict.fromkeys(op.tag for op in OPERATIONS)],
    }
