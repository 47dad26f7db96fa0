"""The administrators' forms. Numbers accept a decimal comma; every label and message is translated."""

from __future__ import annotations

from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    FieldList,
    FloatField,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ...domain.tariff_csv import parse_number

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
WEEKDAY_CHOICES = [(0, _l("Mon")), (1, _l("Tue")), (2, _l("Wed")), (3, _l("Thu")), (4, _l("Fri")), (5, _l("Sat")),
                   (6, _l("Sun"))]


class NumberField(FloatField):
    """A decimal number typed the German or the English way (0,32 or 0.32), shown in the page's language."""

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return format_decimal(self.data, format="0.########") if self.data is not None else ""

    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = parse_number(valuelist[0])
        except ValueError:
            self.data = None
            raise ValueError(_l("Please enter a number, for example 0,32.")) from None


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes (rendered in a fieldset by the admin macros)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _range(low: float, high: float):
    return NumberRange(low, high, message=_l("Please enter a value from %(min)s to %(max)s."))


class VehicleForm(FlaskForm):
    name = StringField(_l("Name residents use"), validators=[DataRequired(), Length(max=80)],
                       description=_l("For example “Die Blaue”."))
    licence_plate = StringField(_l("Licence plate"), validators=[DataRequired(), Length(max=20)])
    model = StringField(_l("Make and model"), validators=[DataRequired(), Length(max=80)])
    seats = IntegerField(_l("Seats"), default=5, validators=[InputRequired(), _range(1, 9)])
    battery_kwh = NumberField(_l("Usable battery capacity (kWh)"), validators=[InputRequired(), _range(5, 250)])
    consumption_kwh_per_100km = NumberField(_l("Consumption (kWh per 100 km)"),
                                            validators=[InputRequired(), _range(5, 60)])
    max_charge_kw = NumberField(_l("Maximum AC charging power (kW)"), validators=[InputRequired(), _range(1, 350)])
    soc_percent = NumberField(_l("Current state of charge (%)"), default=80.0,
                              validators=[InputRequired(), _range(0, 100)])
    odometer_km = IntegerField(_l("Odometer (km)"), default=0, validators=[InputRequired(), _range(0, 2_000_000)])
    status = SelectField(_l("Status"), choices=[("active", _l("In service")), ("maintenance", _l("In maintenance"))])
    requires_approval = BooleanField(_l("Every booking of this car needs an administrator's approval"))
    handover_note = TextAreaField(_l("Pick-up and key"), validators=[Length(max=2000)],
                                  description=_l("Where the car is parked and how to get the key; residents see it "
                                                 "with their booking."))
    key_box_code = StringField(_l("Key box code"), validators=[Length(max=32)])
    charging_points = CheckboxesField(_l("Charging points this car may use"), coerce=int)
    photo = FileField(_l("Photo (JPEG, PNG or WebP, at most 5 MB)"))
    submit = SubmitField(_l("Save car"))


class ChargingPointForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    max_power_kw = NumberField(_l("Maximum power (kW)"), default=11.0, validators=[InputRequired(), _range(1, 350)])
    active = BooleanField(_l("In operation"), default=True)
    vehicles = CheckboxesField(_l("Cars that may charge here"), coerce=int,
                               description=_l("Choose none if every car may use this point."))
    submit = SubmitField(_l("Save charging point"))


class SiteForm(FlaskForm):
    name = StringField(_l("Name of the neighbourhood"), validators=[DataRequired(), Length(max=120)])
    timezone = SelectField(_l("Time zone"))
    grid_limit_kw = NumberField(_l("Grid connection limit for charging (kW)"),
                                validators=[InputRequired(), _range(1, 10_000)],
                                description=_l("All charging points together never draw more than this."))
    submit = SubmitField(_l("Save settings"))


class RulesForm(FlaskForm):
    grid_minutes = SelectField(_l("Bookings start and end every"), coerce=int,
                               choices=[(m, _l("%(n)s minutes", n=m)) for m in (5, 10, 15, 20, 30, 60)])
    min_duration_minutes = IntegerField(_l("Shortest booking (minutes)"), validators=[InputRequired(), _range(5, 1440)])
    max_duration_minutes = IntegerField(_l("Longest booking (minutes)"),
                                        validators=[InputRequired(), _range(15, 60 * 24 * 31)])
    max_advance_days = IntegerField(_l("How many days ahead residents may book"),
                                    validators=[InputRequired(), _range(1, 730)])
    buffer_minutes = IntegerField(_l("Handover time kept free between bookings (minutes)"),
                                  validators=[InputRequired(), _range(0, 240)])
    max_future_bookings = IntegerField(_l("Upcoming bookings per household at most"),
                                       validators=[InputRequired(), _range(1, 100)])
    max_hours_per_7_days = IntegerField(_l("Hours per household within 7 days at most"),
                                        validators=[InputRequired(), _range(1, 168)])
    reserve_percent = IntegerField(_l("Charge kept in reserve (% of the battery)"),
                                   validators=[InputRequired(), _range(0, 100)])
    approval_threshold_hours = IntegerField(_l("Bookings longer than this need approval (hours)"),
                                            validators=[Optional(), _range(1, 24 * 31)],
                                            description=_l("Leave empty if no booking needs approval."))
    no_show_grace_minutes = IntegerField(_l("A booking not picked up is released after (minutes)"),
                                         validators=[InputRequired(), _range(0, 600)])
    reminder_minutes_before = IntegerField(_l("Reminder before the start (minutes)"),
                                           validators=[InputRequired(), _range(0, 2880)])
    submit = SubmitField(_l("Save booking rules"))


class CostSplitForm(FlaskForm):
    cost_split_mode = SelectField(_l("Split the monthly costs by"), choices=[
        ("km", _l("kilometres driven")), ("hours", _l("hours booked")), ("mix", _l("a mix of both"))])
    cost_split_km_weight = NumberField(_l("Weight of kilometres in the mix (0 to 1)"),
                                       validators=[InputRequired(), _range(0, 1)],
                                       description=_l("0.5 counts kilometres and hours equally."))
    monthly_fixed_costs_eur = NumberField(_l("Fixed costs per month (euro)"),
                                          validators=[InputRequired(), _range(0, 1_000_000)],
                                          description=_l("Insurance, leasing, parking: split together with the "
                                                         "energy cost."))
    submit = SubmitField(_l("Save cost split"))


class FlatTariffForm(FlaskForm):
    flat_price = NumberField(_l("Price (euro per kWh)"), validators=[InputRequired(), _range(-1, 10)])
    submit = SubmitField(_l("Use this flat price"))


class TimeOfUseRowForm(Form):
    weekdays = CheckboxesField(_l("Days"), coerce=int, choices=WEEKDAY_CHOICES)
    start = StringField(_l("From (HH:MM)"), validators=[Optional(), Length(max=5)])
    end = StringField(_l("Until (HH:MM)"), validators=[Optional(), Length(max=5)])
    price = NumberField(_l("Price (euro per kWh)"), validators=[Optional(), _range(-1, 10)])


class TimeOfUseForm(FlaskForm):
    rows = FieldList(FormField(TimeOfUseRowForm), min_entries=1)
    default_price = NumberField(_l("Price at all other times (euro per kWh)"),
                                validators=[InputRequired(), _range(-1, 10)])
    submit = SubmitField(_l("Use this time-of-use table"))


class TariffUploadForm(FlaskForm):
    file = FileField(_l("CSV file with prices per hour or per 15 minutes"))
    unit = SelectField(_l("Unit of the prices in the file"), choices=[
        ("ct_per_kwh", _l("cent per kWh")), ("eur_per_kwh", _l("euro per kWh")), ("eur_per_mwh", _l("euro per MWh"))])
    fee_ct_per_kwh = NumberField(_l("Fixed fees added to every price (cent per kWh)"), default=0.0,
                                 validators=[InputRequired(), _range(-100, 200)],
                                 description=_l("Grid fees, levies and VAT, if the file holds exchange prices only."))
    submit = SubmitField(_l("Check and import the file"))


class BlockoutForm(FlaskForm):
    vehicle_id = SelectField(_l("Car"), coerce=int)
    start = DateTimeLocalField(_l("From"), format=DATETIME_FORMAT, validators=[InputRequired()])
    end = DateTimeLocalField(_l("Until"), format=DATETIME_FORMAT, validators=[InputRequired()])
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=200)],
                         description=_l("Residents whose bookings are affected read this."))
    submit = SubmitField(_l("Check affected bookings"))


class RetireForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=200)],
                         description=_l("Residents whose bookings are affected read this."))
    submit = SubmitField(_l("Retire the car"))


class HouseholdForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    address = StringField(_l("Address or flat"), validators=[Length(max=200)])
    submit = SubmitField(_l("Save household"))


class UserFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Name or e-mail contains"), validators=[Optional(), Length(max=100)])
    role = SelectField(_l("Role"), choices=[("", _l("all")), ("resident", _l("Resident")),
                                            ("admin", _l("Administrator"))], validators=[Optional()])
    state = SelectField(_l("Status"), choices=[("", _l("all")), ("active", _l("active")), ("invited", _l("invited")),
                                               ("deactivated", _l("deactivated"))], validators=[Optional()])
    household_id = SelectField(_l("Household"), coerce=int, validators=[Optional()])


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=[("resident", _l("Resident")), ("admin", _l("Administrator"))])
    submit = SubmitField(_l("Change role"))


class MoveHouseholdForm(FlaskForm):
    household_id = SelectField(_l("Household"), coerce=int)
    submit = SubmitField(_l("Move to this household"))


class ConfirmForm(FlaskForm):
    """A button that only needs the CSRF token."""

    confirm = HiddenField(default="yes")


class ImportUploadForm(FlaskForm):
    file = FileField(_l("CSV file with the columns name, e-mail, household"))
    submit = SubmitField(_l("Check the file"))


class ImportConfirmForm(FlaskForm):
    csv_text = HiddenField()
    submit = SubmitField(_l("Send the invitations"))


class BookingFilterForm(FlaskForm):
    class Meta:
        csrf = False

    vehicle_id = SelectField(_l("Car"), coerce=int, validators=[Optional()])
    household_id = SelectField(_l("Household"), coerce=int, validators=[Optional()])
    status = SelectField(_l("State"), validators=[Optional()])
    start = StringField(_l("From (date)"), validators=[Optional()], render_kw={"type": "date"})
    end = StringField(_l("Until (date)"), validators=[Optional()], render_kw={"type": "date"})


class BookOnBehalfForm(FlaskForm):
    user_id = SelectField(_l("Resident"), coerce=int)
    vehicle_id = SelectField(_l("Car"), coerce=int)
    start = DateTimeLocalField(_l("From"), format=DATETIME_FORMAT, validators=[InputRequired()])
    end = DateTimeLocalField(_l("Until"), format=DATETIME_FORMAT, validators=[InputRequired()])
    distance_km = IntegerField(_l("Expected distance (km)"), default=0, validators=[Optional(), _range(0, 5000)])
    note = StringField(_l("Note"), validators=[Length(max=300)])
    submit = SubmitField(_l("Book for this resident"))


class MoveBookingForm(FlaskForm):
    vehicle_id = SelectField(_l("Car"), coerce=int)
    start = DateTimeLocalField(_l("From"), format=DATETIME_FORMAT, validators=[InputRequired()])
    end = DateTimeLocalField(_l("Until"), format=DATETIME_FORMAT, validators=[InputRequired()])
    reason = StringField(_l("Reason (the resident reads it)"), validators=[DataRequired(), Length(max=300)])
    submit = SubmitField(_l("Move booking"))


class CancelBookingForm(FlaskForm):
    reason = StringField(_l("Reason (the resident reads it)"), validators=[DataRequired(), Length(max=300)])
    submit = SubmitField(_l("Cancel booking"))


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    action = SelectField(_l("Action"), validators=[Optional()])
    actor_id = SelectField(_l("Who"), coerce=int, validators=[Optional()])
    object_type = SelectField(_l("Kind of object"), validators=[Optional()])
    start = StringField(_l("From (date)"), validators=[Optional()], render_kw={"type": "date"})
    end = StringField(_l("Until (date)"), validators=[Optional()], render_kw={"type": "date"})
