"""The audit log: who did what and when, with the values before and after; browsable and filterable."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ...extensions import db
from ...models import AuditEvent, User
from ..permissions import admin_required
from . import bp
from .common import local_day_bounds, paginate, parse_day
from .forms import AuditFilterForm
from .messages import audit_action_label

#: Where an audited object can be looked at: object type -> (endpoint, URL parameter).
OBJECT_PAGES = {
    "vehicle": ("admin.vehicle_edit", "vehicle_id"), "user_account": ("admin.user_detail", "user_id"),
    "booking": ("admin.booking_detail", "booking_id"), "household": ("admin.household_edit", "household_id"),
    "charging_point": ("admin.charging_point_edit", "point_id"), "invitation_batch": ("admin.invite_batch", "batch_id"),
}


def _distinct(column) -> list[str]:
    return list(db.session.scalars(select(column).where(AuditEvent.site_id == current_user.site_id).distinct()
                                   .order_by(column)))


def _filters() -> AuditFilterForm:
    form = AuditFilterForm(request.args)
    form.action.choices = [("", _("all"))] + [(a, audit_action_label(a)) for a in _distinct(AuditEvent.action)]
    form.object_type.choices = [("", _("all"))] + [(t, t) for t in _distinct(AuditEvent.object_type) if t]
    actors = db.session.scalars(select(User).where(User.id.in_(
        select(AuditEvent.actor_id).where(AuditEvent.site_id == current_user.site_id))).order_by(User.name))
    form.actor_id.choices = [(0, _("everyone"))] + [(u.id, u.name) for u in actors]
    return form


@bp.route("/audit")
@admin_required
def audit():
    """Every recorded action of the site, newest first, filtered by action, person, object and date."""
    form = _filters()
    query = select(AuditEvent).where(AuditEvent.site_id == current_user.site_id)
    if form.action.data:
        query = query.where(AuditEvent.action == form.action.data)
    if form.object_type.data:
        query = query.where(AuditEvent.object_type == form.object_type.data)
    if form.actor_id.data:
        query = query.where(AuditEvent.actor_id == form.actor_id.data)
    low, high = local_day_bounds(parse_day(form.start.data), parse_day(form.end.data))
    if low:
        query = query.where(AuditEvent.created_at >= low)
    if high:
        query = query.where(AuditEvent.created_at < high)
    query = query.options(selectinload(AuditEvent.actor)).order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
    return render_template("admin/audit/list.html", filters=form, page=paginate(query), object_pages=OBJECT_PAGES,
                           label=audit_action_label)

