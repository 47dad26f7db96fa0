"""The account page's section for personal access tokens: forms and what the template needs."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField, SubmitField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from ...extensions import db
from ...services import api_tokens

NAME_MISSING = _l("Please give the token a name (at most 80 characters).")
REVOKED = _l("The token is revoked.")


class ApiTokenForm(FlaskForm):
    """Name and scopes of a new token."""

    name = StringField(_l("Name of the token (e.g. the app or device using it)"),
                       validators=[DataRequired(), Length(max=80)])
    scopes = SelectMultipleField(_l("What the token may do"), widget=ListWidget(prefix_label=False),
                                 option_widget=CheckboxInput(), default=["read"])
    create_token = SubmitField(_l("Create token"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("read", _l("read (cars, availability, own bookings)")),
                   ("book", _l("book (book, change, cancel, pick up, return)"))]
        if current_user.is_admin:
            choices.append(("admin", _l("administer (everything an administrator may do)")))
        self.scopes.choices = choices


class RevokeTokenForm(FlaskForm):
    """Revoking is a POST with a CSRF token."""

    revoke = SubmitField(_l("Revoke"))


def section_context() -> dict:
    """The user's working tokens and the forms, for templates/account/_api_tokens.html."""
    return {"api_tokens": api_tokens.tokens_of(db.session, current_user), "api_token_form": ApiTokenForm(),
            "revoke_token_form": RevokeTokenForm()}
