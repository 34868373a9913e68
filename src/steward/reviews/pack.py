"""The monthly business-review pack of a vendor: the data (gathered through scoped selectors,
so a vendor user's pack holds only its own numbers) and its two renderings, a PDF with charts
drawn server-side by reportlab.graphics and an XLSX (openpyxl) with the same tables.

Chinese renders with WenQuanYi Micro Hei (installed by `make test` / the Debian package
fonts-wqy-microhei), embedded as a TrueType subset so the text is also extractable; without
it reportlab's built-in CID font STSong-Light is used (shown by the reader, not embedded)."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from steward.core.exports import xlsx_cells
from steward.core.models import Vendor
from steward.improvement.models import CorrectiveAction, Risk
from steward.interactions.models import Interaction, IntervalRollup
from steward.metrics import engine
from steward.quality.models import Evaluation
from steward.reviews import scoring, selectors

WQY = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
ACTIVE_RISK = (Risk.Status.OPEN, Risk.Status.MITIGATING, Risk.Status.OCCURRED)


def component_label(key: str) -> str:
    return {"sla": _("SLA attainment"), "qa": _("QA"), "csat": _("CSAT"),
            "capa": _("Corrective-action responsiveness"), "compliance": _("Compliance")}[key]


@dataclass
class PackData:
    vendor: Vendor
    month: dt.date
    generated: dt.datetime
    score: scoring.Score
    rank: int | None
    vendors_ranked: int
    trend: list[tuple[dt.date, Decimal | None]]
    sla: list[selectors.SlaResult]
    qa: list[dict]
    reasons: list[tuple[str, int]]
    complaints: list[tuple[dt.date, int, int]]  # week, complaints, contacts
    capa_status: list[tuple[str, int]]
    capa_open: list[CorrectiveAction]
    risks: list[Risk]
    outlook: list[dict] = field(default_factory=list)
    compliance_included: bool = True


def _complaint_weeks(*, user, vendor: Vendor, month: dt.date) -> list[tuple[dt.date, int, int]]:
    first = selectors.add_months(month, -2)
    last = selectors.month_last(month)
    start = dt.datetime.combine(first, dt.time(), dt.UTC)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), dt.UTC)
    weeks: dict[dt.date, list[int]] = {}
    rows = (IntervalRollup.objects.visible_to(user).filter(vendor=vendor, interval_start__gte=start, interval_start__lt=end)
            .values("interval_start__date").annotate(c=Sum("complaints"), n=Sum("offered")).order_by())
    for r in rows:
        day = r["interval_start__date"]
        week = day - dt.timedelta(days=day.weekday())
        w = weeks.setdefault(week, [0, 0])
        w[0] += r["c"] or 0
        w[1] += r["n"] or 0
    return [(w, c, n) for w, (c, n) in sorted(weeks.items())]


def _qa_rows(*, user, vendor: Vendor, start, end) -> list[dict]:
    rows = (Evaluation.objects.visible_to(user)
            .filter(vendor=vendor, status__in=selectors.QA_DONE, submitted_at__gte=start, submitted_at__lt=end,
                    score__isnull=False)
            .values("interaction__project__code")
            .annotate(n=Count("pk"), total=Sum("score"), passed=Count("pk", filter=Q(passed=True)),
                      disputed=Count("disputes", distinct=True))
            .order_by("interaction__project__code"))
    return [{"project": r["interaction__project__code"], "evaluations": r["n"],
             "mean": (r["total"] / r["n"]).quantize(Decimal("0.1")), "passed": r["passed"],
             "disputes": r["disputed"]} for r in rows]


def _outlook(*, user, vendor: Vendor) -> list[dict]:
    from steward.workforce import selectors as wfm

    out = []
    for project in selectors.vendor_projects(user=user, vendor=vendor):
        try:
            plan = wfm.staffing_plan(user=user, project=project, vendor=vendor, horizon_days=30, scenarios=())
        except wfm.PlanError as exc:
            out.append({"project": project, "error": str(exc)})
            continue
        acc = plan.pf.forecast.accuracy
        out.append({"project": project, "first": plan.pf.forecast.days[0], "last": plan.pf.forecast.days[-1],
                    "contacts": plan.totals.contacts, "peak_scheduled": plan.totals.peak_scheduled,
                    "fte": plan.totals.fte, "committed": plan.committed, "sl_committed": plan.sl_committed,
                    "first_short_day": plan.first_short_day, "mape": acc.mape if acc else None,
                    "daily": [float(x) for x in plan.pf.forecast.daily]})
    return out


def gather(*, user, vendor: Vendor, month: dt.date, weights: dict | None = None, outlook: bool = True) -> PackData:
    weights = weights or selectors.weights_dict()
    projects = selectors.vendor_projects(user=user, vendor=vendor)
    tz = projects[0].time_zone if projects else "Asia/Shanghai"
    period = engine.period(month, selectors.month_last(month), tz)
    results = selectors.sla_results(user=user, vendor=vendor, month=month)
    comps = selectors.components(user=user, vendor=vendor, month=month, results=results)
    score = scoring.combine(comps, weights)
    trend = [(m, selectors.scorecard(user=user, vendor=vendor, month=m, weights=weights).total)
             for m in (selectors.add_months(month, -k) for k in range(5, 0, -1))] + [(month, score.total)]
    # the rank among the vendors this user may see (a vendor user: only itself)
    totals = {vendor.code: score.total}
    for other in selectors.vendor_list(user=user).exclude(pk=vendor.pk):
        if other.projects.exists():
            totals[other.code] = selectors.scorecard(user=user, vendor=other, month=month, weights=weights).total
    ranks = scoring.rank(totals)
    reasons = list(Interaction.objects.visible_to(user)
                   .filter(vendor=vendor, arrived_at__gte=period.start, arrived_at__lt=period.end)
                   .exclude(contact_reason="").values_list("contact_reason").annotate(n=Count("pk"))
                   .order_by("-n", "contact_reason")[:10])
    capas = CorrectiveAction.objects.visible_to(user).filter(vendor=vendor)
    status_counts = list(capas.values_list("status").annotate(n=Count("pk")).order_by("status"))
    labels = dict(CorrectiveAction.Status.choices)
    risks = list(Risk.objects.visible_to(user).filter(vendors=vendor, status__in=ACTIVE_RISK)
                 .order_by("-score", "review_date")[:10])
    return PackData(
        vendor=vendor, month=month, generated=dt.datetime.now(dt.UTC), score=score, rank=ranks[vendor.code],
        vendors_ranked=sum(1 for t in totals.values() if t is not None), trend=trend, sla=results,
        qa=_qa_rows(user=user, vendor=vendor, start=period.start, end=period.end), reasons=reasons,
        complaints=_complaint_weeks(user=user, vendor=vendor, month=month),
        capa_status=[(str(labels.get(s, s)), n) for s, n in status_counts],
        capa_open=list(capas.exclude(status=CorrectiveAction.Status.CLOSED).order_by("due_date")[:10]),
        risks=risks, outlook=_outlook(user=user, vendor=vendor) if outlook else [],
        compliance_included=selectors.compliance_model() is not None)


# --------------------------------------------------------------------------- PDF


def _font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfbase.ttfonts import TTFont

    if "StewardCJK" in pdfmetrics.getRegisteredFontNames():
        return "StewardCJK"
    if WQY.exists():
        try:
            pdfmetrics.registerFont(TTFont("StewardCJK", str(WQY), subfontIndex=0))
            return "StewardCJK"
        except Exception:  # noqa: BLE001 - a broken font file falls back to the CID font
            pass
    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return "STSong-Light"


def _pct(x) -> str:
    return "—" if x is None else f"{float(x) * 100:.1f}%"


def _num(x, places: int = 1) -> str:
    return "—" if x is None else f"{float(x):,.{places}f}"


def _value(metric: str, value) -> str:
    if value is None:
        return "—"
    if metric in ("qa_score",) or metric.endswith("_seconds"):
        return f"{float(value):.1f}"
    return _pct(value)


def _bar_chart(font: str, title: str, labels: list[str], values: list[float], target: float | None,
               width=460, height=190, value_max: float | None = None):
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.shapes import Drawing, Line, String
    from reportlab.lib import colors

    d = Drawing(width, height)
    d.add(String(0, height - 12, title, fontName=font, fontSize=10))
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 40, 40, width - 60, height - 70
    chart.data = [values or [0]]
    chart.categoryAxis.categoryNames = labels or [""]
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.angle = 20
    chart.categoryAxis.labels.boxAnchor = "ne"
    chart.valueAxis.valueMin = 0
    top = value_max or max([*(values or [0]), target or 0, 1]) * 1.15
    chart.valueAxis.valueMax = top
    chart.valueAxis.labels.fontName = font
    chart.bars[0].fillColor = colors.HexColor("#0969da")
    d.add(chart)
    if target is not None:
        y = chart.y + chart.height * target / top
        d.add(Line(chart.x, y, chart.x + chart.width, y, strokeColor=colors.HexColor("#cf222e"), strokeWidth=1.5,
                   strokeDashArray=[4, 2]))
    return d


def _line_chart(font: str, title: str, labels: list[str], series: list[list[float | None]], names: list[str],
                width=460, height=170):
    from reportlab.graphics.charts.legends import Legend
    from reportlab.graphics.charts.linecharts import HorizontalLineChart
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib import colors

    palette = [colors.HexColor("#0969da"), colors.HexColor("#cf222e"), colors.HexColor("#1a7f37")]
    d = Drawing(width, height)
    d.add(String(0, height - 12, title, fontName=font, fontSize=10))
    chart = HorizontalLineChart()
    chart.x, chart.y, chart.width, chart.height = 40, 30, width - 160, height - 55
    chart.data = [[(v if v is not None else 0) for v in s] or [0] for s in series] or [[0]]
    chart.categoryAxis.categoryNames = labels or [""]
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontName = font
    for i in range(len(chart.data)):
        chart.lines[i].strokeColor = palette[i % len(palette)]
        chart.lines[i].strokeWidth = 2
    d.add(chart)
    legend = Legend()
    legend.x, legend.y = width - 110, height - 30
    legend.fontName = font
    legend.fontSize = 8
    legend.colorNamePairs = [(palette[i % len(palette)], n) for i, n in enumerate(names)]
    d.add(legend)
    return d


def render_pdf(data: PackData) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = _font()
    h1 = ParagraphStyle("h1", fontName=font, fontSize=18, leading=24, spaceAfter=6)
    h2 = ParagraphStyle("h2", fontName=font, fontSize=13, leading=18, spaceBefore=10, spaceAfter=4)
    body = ParagraphStyle("body", fontName=font, fontSize=9, leading=13)
    small = ParagraphStyle("small", fontName=font, fontSize=7.5, leading=10, textColor=colors.HexColor("#57606a"))

    def table(rows, widths=None):
        t = Table([[Paragraph(str(c), body) for c in row] for row in rows], colWidths=widths, repeatRows=1)
        t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#d0d7de")),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f6f8fa")),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        return t

    month = data.month.strftime("%Y-%m")
    story = [Paragraph(_("Business review: %(vendor)s, %(month)s") % {"vendor": data.vendor.name, "month": month}, h1),
             Paragraph(_("Generated %(when)s UTC by Steward. Figures as defined in the contract's SLA and docs/metrics.md.")
                       % {"when": data.generated.strftime("%Y-%m-%d %H:%M")}, small)]

    # scorecard
    story.append(Paragraph(_("Scorecard"), h2))
    total = _num(data.score.total, 2) if data.score.total is not None else "—"
    story.append(Paragraph(_("Total score %(total)s of 100; rank %(rank)s of %(n)s.") % {
        "total": total, "rank": data.rank or "—", "n": data.vendors_ranked}, body))
    rows = [[_("Scorecard component"), _("Score"), _("Weight"), _("Points"), _("Basis")]]
    for p in data.score.parts:
        c = p.component
        rows.append([component_label(c.key), _num(c.score, 1), _num(p.weight, 0), _num(p.contribution, 2),
                     c.detail if c.score is not None else _("no data this month")])
    if not data.compliance_included:
        rows.append([_("Compliance"), "—", "—", "—", _("not available: no compliance scanning installed")])
    story.append(table(rows, [45 * mm, 18 * mm, 18 * mm, 18 * mm, 75 * mm]))
    story.append(Spacer(1, 4))
    scored = [(m, t) for m, t in data.trend if t is not None]  # months without data are not drawn as zero
    if scored:
        story.append(_line_chart(font, _("Score trend (last six months)"), [m.strftime("%Y-%m") for m, _t in scored],
                                 [[float(t) for _m, t in scored]], [_("Total score")]))

    # KPI vs target
    story.append(Paragraph(_("KPIs against target"), h2))
    labels, values = [], []
    for r in data.sla:
        for o in r.evaluation.terms:
            if o.result is None or o.result.value is None:
                continue
            target = _target_number(o.target)
            if not target:
                continue
            higher = not o.target.lstrip().startswith("<")
            attainment = (o.result.value / target if higher else target / o.result.value if o.result.value else 0) * 100
            labels.append(f"{r.project.code} {o.metric}")
            values.append(round(attainment, 1))
    if values:
        story.append(_bar_chart(font, _("Attainment: value ÷ target (100% = on target)"), labels, values, 100.0))
    else:
        story.append(Paragraph(_("No SLA terms with data this month."), body))

    # SLA results with credits
    story.append(Paragraph(_("SLA results and credits"), h2))
    rows = [[_("Contract"), _("Project"), _("SLA term"), _("Target"), _("Value"), _("Status"), _("Credit"), _("Bonus")]]
    for r in data.sla:
        for o in r.evaluation.terms:
            rows.append([r.contract.code, r.project.code, o.label, o.target,
                         _value(o.metric, o.result.value if o.result else None), o.status, str(o.credit), str(o.bonus)])
        rows.append(["", r.project.code, _("Fee %(fee)s %(cur)s, pool %(pool)s") % {
            "fee": r.fee, "cur": r.contract.currency, "pool": r.evaluation.pool}, "", "", "",
            str(r.evaluation.total_credit), str(r.evaluation.total_bonus)])
    if len(rows) == 1:
        rows.append([_("No contract with an SLA policy covers this month."), "", "", "", "", "", "", ""])
    story.append(table(rows))

    # QA
    story.append(Paragraph(_("Quality assurance"), h2))
    rows = [[_("Project"), _("Evaluations"), _("Mean score"), _("Passed"), _("Disputes")]]
    rows += [[q["project"], q["evaluations"], q["mean"], q["passed"], q["disputes"]] for q in data.qa]
    if len(rows) == 1:
        rows.append([_("No evaluations this month."), "", "", "", ""])
    story.append(table(rows))

    # contact reasons and complaints
    story.append(Paragraph(_("Top contact reasons"), h2))
    if data.reasons:
        story.append(_bar_chart(font, _("Contacts by reason"), [r for r, _n in data.reasons],
                                [float(n) for _r, n in data.reasons], None))
    else:
        story.append(Paragraph(_("No contact reasons recorded this month."), body))
    story.append(Paragraph(_("Complaint trend"), h2))
    if data.complaints:
        story.append(_line_chart(font, _("Complaints per 1,000 contacts by week"),
                                 [w.strftime("%m-%d") for w, _c, _n in data.complaints],
                                 [[(1000 * c / n) if n else None for _w, c, n in data.complaints]],
                                 [_("Complaints per 1,000")]))
    else:
        story.append(Paragraph(_("No contacts in the last three months."), body))

    # corrective actions and risks
    story.append(Paragraph(_("Corrective actions"), h2))
    story.append(Paragraph(" · ".join(f"{s}: {n}" for s, n in data.capa_status) or _("None."), body))
    if data.capa_open:
        rows = [[_("Reference"), _("Title"), _("Status"), _("Due")]]
        rows += [[f"CAPA-{c.pk}", c.title, c.get_status_display(), c.due_date.isoformat()] for c in data.capa_open]
        story.append(table(rows, [22 * mm, 90 * mm, 35 * mm, 25 * mm]))
    story.append(Paragraph(_("Risks"), h2))
    if data.risks:
        rows = [[_("Risk"), _("Project"), _("Score"), _("Status"), _("Mitigation")]]
        rows += [[r.title, r.project.code, r.score, r.get_status_display(), r.mitigation[:200]] for r in data.risks]
        story.append(table(rows, [55 * mm, 25 * mm, 15 * mm, 25 * mm, 55 * mm]))
    else:
        story.append(Paragraph(_("No open risks shared with this vendor."), body))

    # outlook
    story.append(Paragraph(_("Next period: forecast and staffing"), h2))
    rows = [[_("Project"), _("Days"), _("Contacts"), _("Peak scheduled"), _("FTE"), _("Committed seats"),
             _("Expected SL with committed"), _("Gap from")]]
    for o in data.outlook:
        if "error" in o:
            rows.append([o["project"].code, o["error"], "", "", "", "", "", ""])
            continue
        rows.append([o["project"].code, f"{o['first']:%m-%d}–{o['last']:%m-%d}", _num(o["contacts"], 0),
                     o["peak_scheduled"], _num(o["fte"], 1), _num(o["committed"], 1) if o["committed"] is not None else "—",
                     _pct(o["sl_committed"]), o["first_short_day"].isoformat() if o["first_short_day"] else "—"])
    if len(rows) == 1:
        rows.append([_("No forecast available."), "", "", "", "", "", "", ""])
    story.append(table(rows))
    for o in data.outlook:
        if "daily" in o:
            story.append(_line_chart(font, _("Forecast contacts per day: %(project)s") % {"project": o["project"].name},
                                     [f"{o['first'] + dt.timedelta(days=i):%d}" for i in range(len(o["daily"]))],
                                     [o["daily"]], [_("Forecast")]))

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
                            bottomMargin=15 * mm, title=_("Business review: %(vendor)s, %(month)s") % {
                                "vendor": data.vendor.name, "month": month}, author="Steward")

    def footer(canvas, doc_):
        canvas.setFont(font, 7)
        canvas.drawRightString(A4[0] - 15 * mm, 8 * mm, f"{data.vendor.name} · {month} · {doc_.page}")

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def _target_number(target: str) -> float | None:
    import re

    m = re.search(r"[-+]?\d+(?:\.\d+)?", target or "")
    return float(m.group()) if m else None


# --------------------------------------------------------------------------- XLSX


def render_xlsx(data: PackData) -> bytes:
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, LineChart, Reference
    from openpyxl.styles import Font

    wb = Workbook()
    bold = Font(bold=True)

    def sheet(title: str, header: list[str], rows: list[list], first: bool = False):
        ws = wb.active if first else wb.create_sheet()
        ws.title = title[:31]
        ws.append(xlsx_cells(ws, header))
        for cell in ws[1]:
            cell.font = bold
        for row in rows:  # contact reasons, titles and mitigations are people's text: never formulas
            ws.append(xlsx_cells(ws, [float(v) if isinstance(v, Decimal) else v for v in row]))
        for col in ws.columns:
            ws.column_dimensions[col[0].column_letter].width = max(12, min(50, max(len(str(c.value or "")) for c in col) + 2))
        return ws

    ws = sheet(_("Scorecard"), [_("Scorecard component"), _("Score"), _("Weight"), _("Points"), _("Basis")],
               [[component_label(p.component.key), p.component.score, p.weight, p.contribution, p.component.detail]
                for p in data.score.parts], first=True)
    ws.append([_("Total"), data.score.total, data.score.weight_used, data.score.total, ""])
    ws.append([])
    ws.append([_("Month"), _("Total score")])
    start = ws.max_row + 1
    for m, t in data.trend:
        ws.append([m.strftime("%Y-%m"), float(t) if t is not None else None])
    chart = LineChart()
    chart.title = _("Score trend (last six months)")
    chart.add_data(Reference(ws, min_col=2, min_row=start - 1, max_row=ws.max_row), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=start, max_row=ws.max_row))
    ws.add_chart(chart, "G2")

    sla_rows = []
    for r in data.sla:
        for o in r.evaluation.terms:
            sla_rows.append([r.contract.code, r.project.code, o.label, o.target,
                             o.result.value if o.result is not None else None, o.status, o.credit, o.bonus, r.fee])
    sheet(_("SLA"), [_("Contract"), _("Project"), _("SLA term"), _("Target"), _("Value"), _("Status"), _("Credit"),
                     _("Bonus"), _("Fee")], sla_rows)
    sheet(_("QA"), [_("Project"), _("Evaluations"), _("Mean score"), _("Passed"), _("Disputes")],
          [[q["project"], q["evaluations"], q["mean"], q["passed"], q["disputes"]] for q in data.qa])
    ws = sheet(_("Contact reasons"), [_("Reason"), _("Contacts")], [list(r) for r in data.reasons])
    if data.reasons:
        bar = BarChart()
        bar.title = _("Top contact reasons")
        bar.add_data(Reference(ws, min_col=2, min_row=1, max_row=ws.max_row), titles_from_data=True)
        bar.set_categories(Reference(ws, min_col=1, min_row=2, max_row=ws.max_row))
        ws.add_chart(bar, "D2")
    sheet(_("Complaints"), [_("Week"), _("Complaints"), _("Contacts"), _("Per 1,000")],
          [[w.isoformat(), c, n, round(1000 * c / n, 2) if n else None] for w, c, n in data.complaints])
    sheet(_("Corrective actions"), [_("Reference"), _("Title"), _("Status"), _("Due")],
          [[f"CAPA-{c.pk}", c.title, c.get_status_display(), c.due_date.isoformat()] for c in data.capa_open])
    sheet(_("Risks"), [_("Risk"), _("Project"), _("Score"), _("Status"), _("Mitigation")],
          [[r.title, r.project.code, r.score, r.get_status_display(), r.mitigation] for r in data.risks])
    sheet(_("Forecast"), [_("Project"), _("First day"), _("Last day"), _("Contacts"), _("Peak scheduled"), _("FTE"),
                          _("Committed seats"), _("Expected SL with committed"), _("Gap from")],
          [[o["project"].code, o["first"].isoformat(), o["last"].isoformat(), round(o["contacts"], 1),
            o["peak_scheduled"], round(o["fte"], 2), o["committed"], o["sl_committed"],
            o["first_short_day"].isoformat() if o["first_short_day"] else None]
           for o in data.outlook if "error" not in o])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
