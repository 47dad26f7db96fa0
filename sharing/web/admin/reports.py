"""Reports: utilisation per car, usage and energy per household, the monthly cost split and its CSV export."""

from __future__ import annotations

from datetime import date, datetime

from flask import Response, render_template, request
from flask_babel import gettext as _

from ...extensions import db
from ...services import reports as report_service
from ...services.csv_export import CsvFormat, write_csv
from ..permissions import admin_required
from . import bp
from .common import current_site, site_zone
from .messages import decimal, euro, percent


def _month() -> date:
    """The month asked for (?month=YYYY-MM), else the current one."""
    try:
        return datetime.strptime(request.args.get("month", ""), "%Y-%m").date()
    except ValueError:
        return datetime.now(site_zone()).date().replace(day=1)


def _shift(month: date, months: int) -> str:
    index = month.year * 12 + month.month - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _chart(rows, label, value, text) -> tuple[list[dict], float]:
    items = [{"label": label(r), "value": value(r), "text": text(r)} for r in rows]
    return items, max([i["value"] for i in items] + [0.0])


@bp.route("/reports")
@admin_required
def reports():
    """The month's report: tables with the numbers and bar charts beside them."""
    month = _month()
    report = report_service.month_report(db.session, current_site(), month)
    charts = {
        "utilisation": _chart(report.cars, lambda c: c.vehicle.name, lambda c: c.utilisation,
                              lambda c: percent(c.utilisation)),
        "hours": _chart(report.households, lambda h: h.household.name, lambda h: h.hours,
                        lambda h: _("%(n)s h", n=decimal(h.hours))),
        "energy": _chart(report.cars, lambda c: c.vehicle.name, lambda c: c.kwh,
                         lambda c: _("%(n)s kWh", n=decimal(c.kwh))),
        "cost": _chart(report.households, lambda h: h.household.name, lambda h: h.share.amount_eur if h.share else 0,
                       lambda h: euro(h.share.amount_eur if h.share else 0)),
    }
    return render_template("admin/reports/month.html", report=report, charts=charts, month=month.strftime("%Y-%m"),
                           previous=_shift(month, -1), following=_shift(month, 1),
                           running=report.month.end > datetime.now(site_zone()))


@bp.route("/reports/cost-split.csv")
@admin_required
def report_csv():
    """The monthly cost split as CSV (UTF-8 with BOM; `;` and decimal comma unless asked otherwise)."""
    month = _month()
    report = report_service.month_report(db.session, current_site(), month)
    fmt = CsvFormat.from_options(request.args.get("separator"), request.args.get("decimal"))
    header = [_("Household"), _("Bookings"), _("Hours booked"), _("Kilometres"), _("Energy (kWh)"),
              _("Energy cost (EUR)"), _("Share (%)"), _("Amount (EUR)")]
    rows = [[h.household.name, h.bookings, round(h.hours, 2), round(h.km, 1), round(h.kwh, 2), round(h.cost_eur, 2),
             round(h.share.fraction * 100, 2) if h.share else 0.0, h.share.amount_eur if h.share else 0.0]
            for h in report.households]
    rows.append([_("Total"), sum(h.bookings for h in report.households),
                 round(sum(h.hours for h in report.households), 2), round(sum(h.km for h in report.households), 1),
                 round(sum(h.kwh for h in report.households), 2), report.energy_cost_eur, 100.0,
                 report.total_cost_eur])
    body = write_csv(header, rows, fmt)
    filename = f"kostenaufteilung-{month:%Y-%m}.csv"
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})

