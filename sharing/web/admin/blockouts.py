"""Maintenance blockouts: list, create (after seeing the bookings they hit), end."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...extensions import db
from ...models import Blockout, Vehicle
from ...services import blockouts as blockout_service
from ...services.admin_errors import Invalid
from ..permissions import admin_required, get_in_site_or_404
from . import bp
from .common import apply_problems, expected_ids, paginate, resolution_choices, to_utc, vehicle_choices
from .forms import BlockoutForm, ConfirmForm


def _form() -> BlockoutForm:
    form = BlockoutForm()
    form.vehicle_id.choices = vehicle_choices()
    return form


def _list_page(form: BlockoutForm, status: int = 200):
    past = request.args.get("past") == "1"
    page = paginate(blockout_service.blockouts_of_site(db.session, current_user.site_id, include_past=past))
    return render_template("admin/blockouts/list.html", form=form, page=page, past=past,
                           delete_form=ConfirmForm()), status


@bp.route("/blockouts")
@admin_required
def blockouts():
    """Upcoming (or all) blockouts and the form for a new one."""
    return _list_page(_form())


def _checked(form: BlockoutForm):
    """(vehicle, start, end, affected) from a valid form, or None with the errors on the form."""
    if not form.validate_on_submit():
        return None
    vehicle = get_in_site_or_404(Vehicle, form.vehicle_id.data)
    try:
        start, end = to_utc(form.start.data, "start"), to_utc(form.end.data, "end")
        return vehicle, start, end, blockout_service.preview(db.session, vehicle, start, end)
    except Invalid as error:
        apply_problems(form, error)
        return None


@bp.route("/blockouts/preview", methods=["POST"])
@admin_required
def blockout_preview():
    """Show the bookings the blockout would hit, with a choice per booking, before anything is stored."""
    form = _form()
    checked = _checked(form)
    if checked is None:
        return _list_page(form, 422)
    return _preview_page(form, *checked)


def _preview_page(form: BlockoutForm, vehicle, start, end, affected, status: int = 200):
    return render_template("admin/blockouts/preview.html", form=form, vehicle=vehicle, start=start, end=end,
                           affected=affected), status


@bp.route("/blockouts/create", methods=["POST"])
@admin_required
def blockout_create():
    """Store the blockout and move or cancel each affected booking as chosen."""
    form = _form()
    checked = _checked(form)
    if checked is None:
        return _list_page(form, 422)
    vehicle, start, end, affected = checked
    try:
        outcomes = blockout_service.create_blockout(
            db.session, current_user, vehicle, start=start, end=end, reason=form.reason.data,
            choices=resolution_choices([a.booking.id for a in affected]), expected_ids=expected_ids())[1]
    except Invalid as error:
        apply_problems(form, error)
        return _preview_page(form, vehicle, start, end, affected, 422)
    flash(_("The blockout of %(car)s is saved.", car=vehicle.name), "success")
    return render_template("admin/outcomes.html", outcomes=outcomes, vehicle=vehicle, section="blockouts",
                           title=_("Blockout saved"), back=url_for("admin.blockouts"))


@bp.route("/blockouts/<int:blockout_id>/delete", methods=["POST"])
@admin_required
def blockout_delete(blockout_id: int):
    """End a blockout early or remove a mistaken one."""
    blockout = get_in_site_or_404(Blockout, blockout_id)
    if ConfirmForm().validate_on_submit():
        blockout_service.delete_blockout(db.session, current_user, blockout)
        flash(_("The blockout is removed; the car can be booked at that time again."), "success")
    return redirect(url_for("admin.blockouts"))
