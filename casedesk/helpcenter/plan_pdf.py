"""The published plan as one PDF (ReportLab: pip-only, no system libraries), from the same
data as the pages (`plan_data`)."""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

from django.conf import settings
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from casedesk.core import clock
from casedesk.core.when import human, plan_zone
from casedesk.helpcenter import plan_data


def _table(head: list[str], rows: list[list[str]], widths: list[float], style: Any) -> Table:
    cells = [[Paragraph(f"<b>{escape(h)}</b>", style) for h in head]]
    cells += [[Paragraph(escape(str(c)), style) for c in row] for row in rows]
    table = Table(cells, colWidths=[w * mm for w in widths], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#d9dee5")),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef1f5")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def build() -> bytes:
    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=8.5, leading=10.5)
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out, pagesize=A4, title="Client Support Plan", leftMargin=15 * mm, rightMargin=15 * mm
    )
    story: list[Any] = [
        Paragraph(f"{escape(settings.CASEDESK_SITE_NAME)}: Client Support Plan", styles["Title"]),
        Paragraph(f"As in force on {escape(human(clock.now(), zone=plan_zone()))}.", styles["BodyText"]),
        Spacer(1, 4 * mm),
        Paragraph("Priorities and their targets", styles["Heading2"]),
        _table(
            ["Priority", "Definition", "Example", "Initial response", "Updates"],
            [
                [
                    p.label,
                    p.definition,
                    p.example,
                    f"{p.response} ({p.response_hours})",
                    f"{p.update} ({p.update_hours})",
                ]
                for p in plan_data.priorities()
            ],
            [22, 55, 38, 32, 33],
            small,
        ),
        Paragraph("Ways in and their hours", styles["Heading2"]),
        _table(
            ["Channel", "Hours", "How"],
            [[h.name, h.hours, h.how] for h in plan_data.hours()],
            [35, 50, 95],
            small,
        ),
        Paragraph("Case statuses", styles["Heading2"]),
        _table(["Status", "Meaning"], [[s.label, s.meaning] for s in plan_data.statuses()], [50, 130], small),
    ]
    rules = plan_data.lifecycle_rules()
    story.append(
        Paragraph(
            escape(
                f"A customer may ask to reopen a case within {rules['reopen_days']} calendar days of "
                "its closure; "
                f"later, a new case is opened and related to it. A case waiting on the customer for "
                f"{rules['no_response_days']} business days is closed as Closed No Response, announced "
                f"{rules['warn_days']} business day before."
            ),
            small,
        )
    )
    story.append(Paragraph("Escalation paths", styles["Heading2"]))
    for path in plan_data.escalation_paths():
        story.append(Paragraph(escape(path.get_kind_display()), styles["Heading4"]))
        story.append(
            _table(
                ["Level", "Role", "Name", "Office", "Mobile", "E-mail"],
                [
                    [
                        str(lv.level),
                        lv.role,
                        lv.name,
                        lv.office_phone or "-",
                        lv.mobile_phone or "-",
                        lv.email or "-",
                    ]
                    for lv in path.levels.all()
                ],
                [12, 45, 32, 28, 28, 35],
                small,
            )
        )
    story.append(Paragraph("Maintenance", styles["Heading2"]))
    story.append(
        _table(
            ["Kind", "When", "Impact", "Notices"],
            [[k.name, k.when, k.impact, k.notices] for k in plan_data.maintenance_kinds()],
            [40, 60, 35, 45],
            small,
        )
    )
    doc.build(story)
    return out.getvalue()
