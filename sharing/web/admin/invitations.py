"""Inviting many residents from a CSV file: upload, per-row check, confirmation, progress of the mails."""

from __future__ import annotations

from flask import abort, current_app, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...extensions import db
from ...models import AuditEvent
from ...services import bulk_invite, outbox
from ...services.csv_export import decode_upload
from ..auth import send_invitation
from ..permissions import admin_required, get_in_site_or_404
from . import bp
from .common import invitation_valid_for
from .forms import ConfirmForm, ImportConfirmForm, ImportUploadForm

#: Mails sent per click (or per request of the progress bar): small enough to answer quickly.
SEND_BATCH = 20


def _checked(text: str):
    rows, file_error = bulk_invite.parse_rows(text)
    return bulk_invite.check_rows(db.session, current_user.site_id, rows), file_error


@bp.route("/users/import", methods=["GET", "POST"])
@admin_required
def invite_import():
    """Upload a CSV file; every row is checked and shown before anyone is invited."""
    form = ImportUploadForm()
    if form.validate_on_submit():
        if not form.file.data:
            form.file.errors = [_("Please choose a file.")]
        else:
            text = decode_upload(form.file.data.read())
            rows, file_error = _checked(text)
            return render_template("admin/users/import_preview.html", rows=rows, file_error=file_error,
                                   confirm_form=ImportConfirmForm(formdata=None, csv_text=text),
                                   good=sum(r.ok for r in rows)), 422 if file_error else 200
    return render_template("admin/users/import.html", form=form), 422 if form.errors else 200


@bp.route("/users/import/confirm", methods=["POST"])
@admin_required
def invite_import_confirm():
    """Invite the good rows of the checked file (checked again: something may have changed)."""
    form = ImportConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    rows, file_error = _checked(form.csv_text.data or "")
    if file_error or not any(r.ok for r in rows):
        return render_template("admin/users/import_preview.html", rows=rows, file_error=file_error,
                               confirm_form=form, good=0), 422
    batch = bulk_invite.invite_rows(db.session, current_user, rows, valid_for=invitation_valid_for(),
                                    send=send_invitation)
    return redirect(url_for("admin.invite_batch", batch_id=batch.id))


def _batch(batch_id: int) -> AuditEvent:
    batch = get_in_site_or_404(AuditEvent, batch_id)
    if batch.action != "user.bulk_invite":
        abort(404)
    return batch


def _status(progress: bulk_invite.BatchProgress) -> dict:
    return {"total": progress.total, "sent": progress.count("sent"), "failed": progress.count("failed"),
            "pending": progress.count("pending"), "done": progress.done}


@bp.route("/users/import/<int:batch_id>")
@admin_required
def invite_batch(batch_id: int):
    """Who was invited from a file, and how far their invitation mails have got."""
    batch = _batch(batch_id)
    progress = bulk_invite.batch_progress(db.session, batch)
    return render_template("admin/users/import_batch.html", batch=batch, progress=progress, status=_status(progress),
                           send_form=ConfirmForm(), mail_configured=bool(current_app.config["MAIL_SERVER"]))


@bp.route("/users/import/<int:batch_id>/status")
@admin_required
def invite_batch_status(batch_id: int):
    """The batch's progress as JSON, for the progress bar."""
    return jsonify(_status(bulk_invite.batch_progress(db.session, _batch(batch_id))))


@bp.route("/users/import/<int:batch_id>/send", methods=["POST"])
@admin_required
def invite_batch_send(batch_id: int):
    """Send the next few due mails of the outbox now (the scheduler would do it too, a little later)."""
    batch = _batch(batch_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    outbox.deliver_due(db.session, current_app.config, limit=SEND_BATCH)
    if request.accept_mimetypes.best == "application/json":
        return jsonify(_status(bulk_invite.batch_progress(db.session, batch)))
    return redirect(url_for("admin.invite_batch", batch_id=batch.id))
