"""Site settings: name, time zone, grid limit, booking rules, cost split, and the electricity tariff."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...domain.tariff_csv import parse_price_csv
from ...extensions import db
from ...services import site_settings as settings_service
from ...services import tariffs
from ...services.admin_errors import Invalid
from ...services.csv_export import decode_upload
from ..permissions import admin_required
from . import bp
from .common import apply_problems, current_site, site_zone
from .forms import CostSplitForm, FlatTariffForm, RulesForm, SiteForm, TariffUploadForm, TimeOfUseForm

EMPTY_TOU_ROWS = 2
MAX_ERRORS_SHOWN = 200


def _settings_forms(**submitted):
    site = current_site()
    forms = {"site_form": SiteForm(obj=site, formdata=None), "rules_form": RulesForm(obj=site, formdata=None),
             "cost_form": CostSplitForm(obj=site, formdata=None)}
    forms.update(submitted)
    forms["site_form"].timezone.choices = [(z, z) for z in settings_service.timezone_names()]
    return forms


def _settings_page(**submitted):
    forms = _settings_forms(**submitted)
    failed = any(f.errors or f.form_errors for f in submitted.values())
    return render_template("admin/site/settings.html", site=current_site(), **forms), 422 if failed else 200


@bp.route("/settings")
@admin_required
def site_settings():
    """The site's settings, booking rules and cost split, each in its own form."""
    return _settings_page()


def _save_settings(form, service, fields: tuple[str, ...], key: str, message: str):
    if form.validate_on_submit():
        try:
            service(db.session, current_user, {name: form[name].data for name in fields})
        except Invalid as error:
            db.session.rollback()
            apply_problems(form, error)
        else:
            flash(message, "success")
            return redirect(url_for("admin.site_settings"))
    return _settings_page(**{key: form})


@bp.route("/settings/site", methods=["POST"])
@admin_required
def site_update():
    """Save name, time zone and grid limit."""
    form = SiteForm()
    form.timezone.choices = [(z, z) for z in settings_service.timezone_names()]
    return _save_settings(form, settings_service.update_site, settings_service.SITE_FIELDS, "site_form",
                          _("The settings are saved."))


@bp.route("/settings/rules", methods=["POST"])
@admin_required
def rules_update():
    """Save the booking rules."""
    return _save_settings(RulesForm(), settings_service.update_rules, settings_service.RULE_FIELDS, "rules_form",
                          _("The booking rules are saved. They apply to new bookings and changes."))


@bp.route("/settings/costs", methods=["POST"])
@admin_required
def cost_split_update():
    """Save how the monthly costs are split."""
    return _save_settings(CostSplitForm(), settings_service.update_cost_split, settings_service.COST_FIELDS,
                          "cost_form", _("The cost split is saved."))


def _tou_form(formdata=None) -> TimeOfUseForm:
    site = current_site()
    if formdata is not None:
        return TimeOfUseForm()
    rows = [{"weekdays": r["weekdays"], "start": r["from"], "end": r["to"], "price": r["eur_per_kwh"]}
            for r in (site.tariff_table or [])]
    rows += [{"weekdays": [], "start": "", "end": "", "price": None}] * EMPTY_TOU_ROWS
    return TimeOfUseForm(formdata=None, data={"rows": rows, "default_price": site.tariff_flat_eur_per_kwh})


def _tariff_page(status: int = 200, **submitted):
    site = current_site()
    forms = {"flat_form": FlatTariffForm(formdata=None, data={"flat_price": site.tariff_flat_eur_per_kwh}),
             "tou_form": _tou_form(), "upload_form": TariffUploadForm(formdata=None)}
    forms.update({k: v for k, v in submitted.items() if k.endswith("_form")})
    context = {k: v for k, v in submitted.items() if not k.endswith("_form")}
    return render_template("admin/site/tariff.html", site=site, summary=tariffs.series_summary(db.session, site),
                           max_errors=MAX_ERRORS_SHOWN, **forms, **context), status


@bp.route("/tariff")
@admin_required
def tariff():
    """The electricity tariff: flat, time-of-use table or uploaded prices."""
    return _tariff_page()


@bp.route("/tariff/flat", methods=["POST"])
@admin_required
def tariff_flat():
    """Use one price at all times."""
    form = FlatTariffForm()
    if form.validate_on_submit():
        try:
            tariffs.set_flat(db.session, current_user, form.flat_price.data)
        except Invalid as error:
            apply_problems(form, error)
        else:
            flash(_("The flat price is in use."), "success")
            return redirect(url_for("admin.tariff"))
    return _tariff_page(422, flat_form=form)


@bp.route("/tariff/time-of-use", methods=["POST"])
@admin_required
def tariff_time_of_use():
    """Use prices by weekday and time of day."""
    form = TimeOfUseForm()
    if form.validate_on_submit():
        rows = [{"weekdays": e.weekdays.data, "from": e.start.data, "to": e.end.data, "eur_per_kwh": e.price.data}
                for e in (entry.form for entry in form.rows)
                if e.weekdays.data or e.start.data or e.end.data or e.price.data is not None]
        try:
            tariffs.set_time_of_use(db.session, current_user, rows, form.default_price.data)
        except Invalid as error:
            apply_problems(form, error)
        else:
            flash(_("The time-of-use table is in use."), "success")
            return redirect(url_for("admin.tariff"))
    return _tariff_page(422, tou_form=form)


@bp.route("/tariff/upload", methods=["POST"])
@admin_required
def tariff_upload():
    """Check an uploaded price file line by line; import it only if every line is right."""
    form = TariffUploadForm()
    if not form.validate_on_submit() or not form.file.data:
        if not form.file.data:
            form.file.errors = [_("Please choose a file.")]
        return _tariff_page(422, upload_form=form)
    parsed = parse_price_csv(decode_upload(form.file.data.read()), site_zone(), unit=form.unit.data,
                             fee_eur_per_kwh=form.fee_ct_per_kwh.data / 100)
    if not parsed.ok:
        return _tariff_page(422, upload_form=form, row_errors=parsed.errors, filename=form.file.data.filename)
    tariffs.import_series(db.session, current_user, parsed, unit=form.unit.data,
                          fee_eur_per_kwh=form.fee_ct_per_kwh.data / 100, filename=form.file.data.filename or "")
    flash(_("%(n)s prices imported and in use.", n=len(parsed.points)), "success")
    return redirect(url_for("admin.tariff"))
