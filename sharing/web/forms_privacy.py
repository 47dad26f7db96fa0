"""The form that confirms deleting the own account, and its messages."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SubmitField
from wtforms.validators import DataRequired


class DeleteAccountForm(FlaskForm):
    password = PasswordField(_l("Your password"), validators=[DataRequired()],
                             render_kw={"autocomplete": "current-password"})
    confirm = BooleanField(_l("Yes, delete my account. This cannot be undone."), validators=[DataRequired()])
    delete = SubmitField(_l("Delete my account"))


def deletion_refused_message(code: str) -> str:
    """Why the account cannot be deleted now."""
    if code == "car_in_use":
        return _("Please return the car you are driving first.")
    return _("Administrators cannot delete their own account. Please ask another administrator.")


def account_deleted_message() -> str:
    return _("Your account is deleted. Thank you for sharing.")
