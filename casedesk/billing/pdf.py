"""An invoice as a PDF (ReportLab), rendered once at finalization: the issuer, a summary
per site and per cost centre, then every line. The same invoice always renders to the same
bytes (no creation date or random id in the file)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader, simpleSplit
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from casedesk.rules import invoicing

GRID = TableStyle(
    [
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8),
        ("FONT", (0, 1), (-1, -1), "Helvetica", 8),
        ("LEADING", (0, 1), (-1, -1), 9.5),
        ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black),
        ("ALIGN", (-1, 0), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
    ]
)


def amount(value: Decimal, currency: str) -> str:
    return f"{currency} {value:,.2f}"


def _wrap(text: str, width: float) -> str:
    return "\n".join(simpleSplit(text, "Helvetica", 8, width)) or "-"


def _summary(title: str, rows: Sequence[tuple[str, Decimal]], currency: str) -> Table:
    data = [[title, "Amount"]] + [[name, amount(total, currency)] for name, total in rows]
    table = Table(data, colWidths=[120 * mm, 50 * mm], repeatRows=1)
    table.setStyle(GRID)
    return table


def render(*, invoice: Any, lines: Sequence[Any], issuer: Any, organisation: Any) -> bytes:
    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=8, leading=10)
    cur = invoice.currency
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=f"Invoice {invoice.reference}",
        author=issuer.name if issuer else "",
        invariant=1,
    )
    story: list[Any] = []
    if issuer is not None and issuer.logo:
        logo = ImageReader(io.BytesIO(bytes(issuer.logo)))
        w, h = logo.getSize()
        story.append(Image(io.BytesIO(bytes(issuer.logo)), width=30 * mm, height=30 * mm * h / max(w, 1)))
    if issuer is not None:
        story.append(Paragraph(escape(issuer.name), styles["Heading2"]))
        story.append(Paragraph("<br/>".join(escape(x) for x in issuer.address.splitlines()), small))
        if issuer.tax_id:
            story.append(Paragraph(escape(f"Tax id {issuer.tax_id}"), small))
    period = invoicing.Period.parse(invoice.period)
    story += [
        Spacer(1, 6),
        Paragraph(escape(f"Invoice {invoice.reference}"), styles["Title"]),
        Paragraph(
            escape(
                f"{organisation.name} ({organisation.account_number}) · period {period.label} · "
                f"issued {invoice.finalized_at:%Y-%m-%d}"
            ),
            small,
        ),
        Spacer(1, 6),
    ]
    totals = Table(
        [
            ["Subtotal", amount(invoice.subtotal, cur)],
            ["Taxes and surcharges", amount(invoice.tax, cur)],
            ["Total due", amount(invoice.total, cur)],
        ],
        colWidths=[120 * mm, 50 * mm],
    )
    totals.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), "Helvetica", 9),
                ("FONT", (0, 2), (-1, 2), "Helvetica-Bold", 10),
                ("ALIGN", (-1, 0), (-1, -1), "RIGHT"),
                ("LINEABOVE", (0, 2), (-1, 2), 0.5, colors.black),
            ]
        )
    )
    story += [totals, Spacer(1, 8)]
    story.append(Paragraph("Summary by site", styles["Heading3"]))
    story.append(_summary("Site", invoicing.by_group([(ln.site, ln.amount + ln.tax) for ln in lines]), cur))
    story.append(Paragraph("Summary by cost centre", styles["Heading3"]))
    story.append(
        _summary(
            "Cost centre", invoicing.by_group([(ln.cost_centre, ln.amount + ln.tax) for ln in lines]), cur
        )
    )
    story.append(Paragraph("Lines", styles["Heading3"]))
    data: list[list[Any]] = [
        ["#", "Description", "Site / cost centre", "Qty", "Unit", "Amount", "Tax", "Total"]
    ]
    for ln in lines:
        # Plain wrapped strings, not Paragraphs: a line's cells need no markup, and an
        # invoice of many lines renders several times faster.
        data.append(
            [
                str(ln.position),
                _wrap(ln.description, 60 * mm),
                _wrap(" / ".join(x for x in (ln.site, ln.cost_centre) if x) or "-", 32 * mm),
                f"{ln.quantity.normalize():f}",
                f"{ln.unit_price:,.2f}",
                f"{ln.amount:,.2f}",
                f"{ln.tax:,.2f}",
                f"{ln.amount + ln.tax:,.2f}",
            ]
        )
    table = Table(
        data,
        colWidths=[8 * mm, 62 * mm, 34 * mm, 12 * mm, 16 * mm, 14 * mm, 12 * mm, 16 * mm],
        repeatRows=1,
    )
    style = TableStyle(GRID.getCommands())
    for col in (3, 4, 5, 6):
        style.add("ALIGN", (col, 0), (col, -1), "RIGHT")
    table.setStyle(style)
    story.append(table)
    doc.build(story)
    return out.getvalue()
