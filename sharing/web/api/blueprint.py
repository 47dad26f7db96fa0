"""The API blueprint, declared on its own so that every operation module can attach to it."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
