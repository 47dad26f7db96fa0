"""Forms shared across the app: account access (login, invitation, reset)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from ..security.passwords import MIN_PASSWORD_LENGTH


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)],
                       render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=500)],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField(_l("Stay logged in on this device"))
    next = HiddenField()
    submit = SubmitField(_l("Log in"))


class SetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=500)],
        render_kw={"autocomplete": "new-password"},
        description=_l("At least %(n)s characters.", n=MIN_PASSWORD_LENGTH),
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords are not the same."))],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Save password"))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Email(), Length(max=254)],
                       render_kw={"autocomplete": "email"})
    submit = SubmitField(_l("Send me a link"))


class LanguageForm(FlaskForm):
    language = SelectField(_l("Language"), choices=[("de", "Deutsch"), ("en", "English")])
    next = HiddenField()
    submit = SubmitField(_l("Change language"))


class InviteForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Email(), Length(max=254)])
    household_id = SelectField(_l("Household"), coerce=int, validators=[Optional()])
    role = SelectField(_l("Role"), choices=[("resident", _l("Resident")), ("admin", _l("Administrator"))])
    language = SelectField(_l("Language"), choices=[("de", "Deutsch"), ("en", "English")])
    submit = SubmitField(_l("Send invitation"))
