"""Messages for error codes that services raise, in the user's language."""

from __future__ import annotations

from flask_babel import gettext as _

from ..security.passwords import MIN_PASSWORD_LENGTH


def account_error_message(code: str) -> str:
    """A sentence a resident understands for an AccountError code."""
    messages = {
        "invalid_credentials": _("E-mail address or password is wrong."),
        "inactive": _("This account has been deactivated. Please contact your administrator."),
        "token_invalid": _("This link is not valid. Please check that you copied it completely."),
        "token_used": _("This link has already been used. Please log in, or ask for a new link."),
        "token_expired": _("This link has expired. Please ask for a new one."),
        "email_invalid": _("Please enter a valid e-mail address."),
        "email_taken": _("There is already an account with this e-mail address."),
        "password_too_short": _("The password must have at least %(n)s characters.", n=MIN_PASSWORD_LENGTH),
        "password_is_email": _("The password must not be your e-mail address."),
        "wrong_current_password": _("Your current password is not correct."),
        "already_registered": _("This person has already set a password."),
    }
    return messages.get(code, _("That did not work. Please try again."))
