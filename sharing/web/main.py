"""The start page and the language switch."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from ..extensions import db
from ..security.redirects import safe_next_url
from .forms import LanguageForm

bp = Blueprint("main", __name__)


@bp.route("/")
@login_required
def index():
    """Residents start at the fleet overview; without it, a simple welcome page."""
    if "fleet.overview" in current_app.view_functions:
        return redirect(url_for("fleet.overview"))
    return render_template("main/index.html")


@bp.route("/language", methods=["POST"])
def set_language():
    """Switch the language; remembered in the session and, when logged in, on the account."""
    form = LanguageForm()
    if form.validate_on_submit():
        session["language"] = form.language.data
        if current_user.is_authenticated:
            current_user.language = form.language.data
            db.session.commit()
    target = safe_next_url(form.next.data) or safe_next_url(request.referrer and _path_of(request.referrer))
    return redirect(target or url_for("main.index"))


def _path_of(url: str) -> str | None:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.netloc and parts.netloc != request.host:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")
