"""Forms of the resident pages: booking, pick-up, return, extension, cancellation, account."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileSize
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..security.passwords import MIN_PASSWORD_LENGTH

_STEP = {"step": 900}  # the 15-minute booking grid


class MultiCheckboxField(SelectMultipleField):
    """Several checkboxes (weekdays) instead of a multi-select box, which is hard to use."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class BookingForm(FlaskForm):
    vehicle_id = SelectField(_l("Car"), coerce=int, validators=[InputRequired()])
    start_date = DateField(_l("From (date)"), validators=[InputRequired(message=_l("Please enter a date."))])
    start_time = TimeField(_l("From (time)"), validators=[InputRequired(message=_l("Please enter a time."))],
                           render_kw=_STEP)
    end_date = DateField(_l("Until (date)"), validators=[InputRequired(message=_l("Please enter a date."))])
    end_time = TimeField(_l("Until (time)"), validators=[InputRequired(message=_l("Please enter a time."))],
                         render_kw=_STEP)
    distance_km = IntegerField(_l("Expected distance (km)"), default=0,
                               validators=[Optional(), NumberRange(min=0, max=2000,
                                                                   message=_l("Between 0 and 2000 km."))])
    note = StringField(_l("Note (optional)"), validators=[Optional(), Length(max=300)])
    check = SubmitField(_l("Check availability"))
    submit = SubmitField(_l("Book"))


class SuggestionForm(FlaskForm):
    """One click books a suggestion: the exact times travel as hidden UTC values."""

    vehicle_id = HiddenField(validators=[DataRequired()])
    start = HiddenField(validators=[DataRequired()])
    end = HiddenField(validators=[DataRequired()])
    distance_km = HiddenField(default="0")
    note = HiddenField(default="")
    #: Set on the change page: the suggestion moves this booking instead of booking anew.
    booking_id = HiddenField(default="")


class WaitlistForm(SuggestionForm):
    auto_book = BooleanField(_l("Book automatically when it becomes free"))


class PickUpForm(FlaskForm):
    odometer_km = IntegerField(_l("Odometer (km)"), validators=[InputRequired(), NumberRange(min=0, max=2_000_000)])
    soc_percent = IntegerField(_l("Charge level (%)"), validators=[InputRequired(), NumberRange(min=0, max=100)])
    submit = SubmitField(_l("Pick up"))


class ReturnForm(FlaskForm):
    odometer_km = IntegerField(_l("Odometer (km)"), validators=[InputRequired(), NumberRange(min=0, max=2_000_000)])
    soc_percent = IntegerField(_l("Charge level (%)"), validators=[InputRequired(), NumberRange(min=0, max=100)])
    plugged_in = BooleanField(_l("The car is plugged in"))
    damage_note = TextAreaField(_l("Damage or problems (optional)"), validators=[Optional(), Length(max=2000)])
    photo = FileField(_l("Photo (optional)"), validators=[
        FileAllowed(["jpg", "jpeg", "png", "webp"], _l("Only JPEG, PNG or WebP pictures.")),
        FileSize(max_size=6 * 1024 * 1024, message=_l("The picture may be at most 6 MB."))])
    submit = SubmitField(_l("Return the car"))


class ExtendForm(FlaskForm):
    end_date = DateField(_l("New end (date)"), validators=[InputRequired()])
    end_time = TimeField(_l("New end (time)"), validators=[InputRequired()], render_kw=_STEP)
    submit = SubmitField(_l("Extend"))


class CancelForm(FlaskForm):
    submit = SubmitField(_l("Cancel booking"))


class AccountForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    language = SelectField(_l("Language"), choices=[("de", "Deutsch"), ("en", "English")])
    phone = StringField(_l("Phone (optional)"), validators=[Optional(), Length(max=40)])
    share_contact = BooleanField(_l("Show my name and phone number to the drivers before and after me"))
    notify_email = BooleanField(_l("Send me e-mails about my bookings"))
    submit = SubmitField(_l("Save"))


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()],
                                     render_kw={"autocomplete": "current-password"})
    new_password = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH)],
                                 render_kw={"autocomplete": "new-password"})
    change_password = SubmitField(_l("Change password"))


class RegenerateFeedForm(FlaskForm):
    regenerate = SubmitField(_l("Make a new link (the old one stops working)"))


WEEKDAYS = [(0, _l("Monday")), (1, _l("Tuesday")), (2, _l("Wednesday")), (3, _l("Thursday")), (4, _l("Friday")),
            (5, _l("Saturday")), (6, _l("Sunday"))]


class SeriesForm(FlaskForm):
    vehicle_id = SelectField(_l("Car"), coerce=int, validators=[InputRequired()])
    first_date = DateField(_l("First day"), validators=[InputRequired(message=_l("Please enter a date."))])
    start_time = TimeField(_l("Start time"), validators=[InputRequired(message=_l("Please enter a time."))],
                           render_kw=_STEP)
    duration_minutes = SelectField(_l("Duration"), coerce=int, choices=[
        (m, f"{m // 60}:{m % 60:02d} h") for m in range(30, 12 * 60 + 1, 30)])
    weekdays = MultiCheckboxField(_l("Weekdays"), coerce=int, choices=WEEKDAYS,
                                  validators=[InputRequired(message=_l("Please choose at least one weekday."))])
    until_date = DateField(_l("Last day"), validators=[InputRequired(message=_l("Please enter a date."))])
    distance_km = IntegerField(_l("Expected distance (km)"), default=0,
                               validators=[Optional(), NumberRange(min=0, max=2000)])
    book_free_only = HiddenField(default="")
    submit = SubmitField(_l("Check and book"))
