"""Scheduled reports as e-mail: the report's tables for the period as a PDF attachment,
with a link to the same figures as CSV, through the outbox."""

from __future__ import annotations

import io
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode
from xml.sax.saxutils import escape

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, TableStyle
from reportlab.platypus import Table as PdfTable

from casedesk.outbox import delivery
from casedesk.reporting import selectors as figures
from casedesk.reporting import subscriptions
from casedesk.reporting.models import Subscription
from casedesk.reporting.tables import REPORTS, Report, Table, filters_from


def pdf(report: Report, f: figures.Filters, tables: list[Table]) -> bytes:
    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=8, leading=10)
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out, pagesize=landscape(A4), title=report.title, leftMargin=12 * mm, rightMargin=12 * mm
    )
    named = figures.names_for(f)
    story: list[Any] = [
        Paragraph(f"{escape(settings.CASEDESK_SITE_NAME)}: {escape(report.title)}", styles["Title"]),
        Paragraph(
            escape(f"{f.start} to {f.end}" + "".join(f"; {k}: {v}" for k, v in named.items())),
            styles["BodyText"],
        ),
        Spacer(1, 4 * mm),
    ]
    for table in tables:
        story.append(Paragraph(escape(table.caption), styles["Heading3"]))
        if not table.rows:
            story.append(Paragraph("Nothing in this period.", small))
            continue
        cells = [[Paragraph(f"<b>{escape(h)}</b>", small) for h in table.head]]
        cells += [[Paragraph(escape(str(c)), small) for c in row] for row in table.rows]
        grid = PdfTable(cells, repeatRows=1)
        grid.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#d9dee5")),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef1f5")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        story += [grid, Spacer(1, 4 * mm)]
    doc.build(story)
    return out.getvalue()


def send(sub: Subscription, start: date, end: date) -> None:
    report = REPORTS[sub.report]
    f, _, _ = filters_from({**sub.filters, "start": start.isoformat(), "end": end.isoformat()})
    _, tables = report.build(f)
    path = default_storage.save(
        f"reports/{sub.pk}/{report.slug}-{start}.pdf", ContentFile(pdf(report, f, tables))
    )
    query = {**sub.filters, "start": start.isoformat(), "end": end.isoformat(), "format": "csv"}
    csv_url = f"{settings.CASEDESK_BASE_URL}{reverse(report.url_name)}?{urlencode(query)}"
    delivery.enqueue_template(
        kind="scheduled_report",
        to=sub.user.email,
        template="scheduled_report",
        context={
            "user": sub.user,
            "report": report,
            "start": start,
            "end": end,
            "every": sub.get_every_display().lower(),
            "filters": figures.names_for(f),
            "csv_url": csv_url,
        },
        dedupe_key=f"report:{sub.pk}:{start}",
        attachments=[
            {"name": f"{report.slug}-{start}-{end}.pdf", "content_type": "application/pdf", "path": path}
        ],
    )


def send_due(now: datetime) -> int:
    return subscriptions.send_due(now, send)
