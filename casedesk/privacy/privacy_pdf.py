"""A person's data as a PDF (ReportLab): the same content as the JSON export."""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer


def render(data: dict[str, Any]) -> bytes:
    styles = getSampleStyleSheet()
    out = io.BytesIO()
    story: list[Any] = [
        Paragraph(escape(f"Your personal data ({data['request']['number']})"), styles["Title"])
    ]

    def section(title: str, lines: list[str]) -> None:
        story.append(Paragraph(escape(title), styles["Heading2"]))
        for line in lines or ["None."]:
            story.append(Paragraph(escape(line), styles["BodyText"]))
        story.append(Spacer(1, 8))

    section(
        "Contact records",
        [
            f"{c['organisation']}: {c['name']}, {c['email']}, {c['phone'] or '-'}, "
            f"{', '.join(c['roles']) or '-'}"
            for c in data["contacts"]
        ],
    )
    section(
        "Cases",
        [f"{c['number']} {c['title']} ({c['status']}, opened {c['opened_at']})" for c in data["cases"]],
    )
    section("Your comments", [f"{c['case']} {c['at']}: {c['body']}" for c in data["comments"]])
    section("Messages sent to you", [str(data["messages_sent_to_you"])])
    section("Kept by law after erasure", [f"{k['what']}: {k['why']}" for k in data["kept_by_law"]])
    SimpleDocTemplate(out, pagesize=A4, title="Personal data").build(story)
    return out.getvalue()
