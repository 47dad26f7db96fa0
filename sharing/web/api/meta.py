"""The API's description: OpenAPI 3.1 as JSON, and a readable page made from the same document."""

from __future__ import annotations

from flask import current_app, jsonify, render_template

from .blueprint import bp


def document() -> dict:
    """The OpenAPI document (built once per process: it depends only on the code)."""
    cache = current_app.extensions.setdefault("quartierauto_api", {})
    if "openapi" not in cache:
        from .openapi import build_document

        cache["openapi"] = build_document()
    return cache["openapi"]


@bp.route("/openapi.json")
def openapi_json():
    """The OpenAPI 3.1 description of the API (public: it holds no data)."""
    response = jsonify(document())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.route("/docs")
def docs():
    """The operations, their parameters, bodies and answers, readable without JavaScript."""
    spec = document()
    operations = []
    for path, methods in spec["paths"].items():
        for method, entry in methods.items():
            operations.append({"method": method.upper(), "path": path, **entry})
    tags = list(dict.fromkeys(op["tags"][0] for op in operations))
    return render_template("api/docs.html", spec=spec, operations=operations, tags=tags,
                           schemas=spec["components"]["schemas"])
