"""An invoice as a PDF (ReportLab), rendered once at finalization: the issuer, the totals, a
summary per site and per cost centre, then every line, its header repeated on each page.

Drawn on the canvas directly rather than through platypus tables: a run renders thousands
of invoices, and the table layout engine costs several times more for the same page. The
same invoice always renders to the same bytes (no creation date or random id in the file).
"""

from __future__ import annotations

import functools
import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader, simpleSplit
from reportlab.pdfgen.canvas import Canvas

from casedesk.rules import invoicing

WIDTH, HEIGHT = A4
LEFT, RIGHT, TOP, BOTTOM = 18 * mm, WIDTH - 18 * mm, HEIGHT - 16 * mm, 18 * mm
FONT, BOLD = "Helvetica", "Helvetica-Bold"
SIZE, LEAD = 8, 10
# Columns of the lines: (title, right edge or left start, right-aligned)
COLUMNS = (
    ("#", LEFT, False),
    ("Description", LEFT + 8 * mm, False),
    ("Site / cost centre", LEFT + 74 * mm, False),
    ("Qty", LEFT + 112 * mm, True),
    ("Unit", LEFT + 128 * mm, True),
    ("Amount", LEFT + 145 * mm, True),
    ("Tax", LEFT + 159 * mm, True),
    ("Total", RIGHT, True),
)
DESCRIPTION_WIDTH = 64 * mm
PLACE_WIDTH = 30 * mm


def amount(value: Decimal, currency: str) -> str:
    return f"{currency} {value:,.2f}"


@functools.lru_cache(maxsize=4096)
def _wrap(text: str, width: float) -> tuple[str, ...]:
    # Lines repeat across an invoice and the run (the same product, the same sites).
    return tuple(simpleSplit(text, FONT, SIZE, width)) or ("-",)


class _Page:
    def __init__(self, canvas: Canvas, footer: str) -> None:
        self.c, self.footer, self.number, self.y = canvas, footer, 1, TOP

    def finish_page(self) -> None:
        self.c.setFont(FONT, 7)
        self.c.drawString(LEFT, BOTTOM - 8 * mm, f"{self.footer} · page {self.number}")
        self.c.showPage()
        self.number += 1
        self.y = TOP

    def need(self, height: float) -> bool:
        """Room for `height` more; a new page (True) when not."""
        if self.y - height >= BOTTOM:
            return False
        self.finish_page()
        return True

    def text(self, value: str, *, font: str = FONT, size: float = SIZE, lead: float = LEAD) -> None:
        self.need(lead)
        self.c.setFont(font, size)
        self.c.drawString(LEFT, self.y - size, value)
        self.y -= lead

    def rule(self) -> None:
        self.c.setLineWidth(0.5)
        self.c.line(LEFT, self.y + 2, RIGHT, self.y + 2)


def _pairs(page: _Page, title: str, rows: Sequence[tuple[str, str]], *, bold_last: bool = False) -> None:
    page.need(LEAD * 3)
    if title:
        page.y -= 4
        page.text(title, font=BOLD, size=10, lead=14)
    for i, (label, value) in enumerate(rows):
        page.need(LEAD)
        font = BOLD if bold_last and i == len(rows) - 1 else FONT
        page.c.setFont(font, SIZE + (1 if font == BOLD else 0))
        page.c.drawString(LEFT, page.y - SIZE, label)
        page.c.drawRightString(RIGHT, page.y - SIZE, value)
        page.y -= LEAD + 1


def _header_row(page: _Page) -> None:
    page.c.setFont(BOLD, SIZE)
    for title, x, right in COLUMNS:
        (page.c.drawRightString if right else page.c.drawString)(x, page.y - SIZE, title)
    page.y -= LEAD + 2
    page.rule()


def render(*, invoice: Any, lines: Sequence[Any], issuer: Any, organisation: Any) -> bytes:
    out = io.BytesIO()
    c = Canvas(out, pagesize=A4, invariant=1, pageCompression=1)
    c.setTitle(f"Invoice {invoice.reference}")
    c.setAuthor(issuer.name if issuer else "")
    cur = invoice.currency
    page = _Page(c, f"Invoice {invoice.reference} · {organisation.name}")
    if issuer is not None and issuer.logo:
        logo = ImageReader(io.BytesIO(bytes(issuer.logo)))
        w, h = logo.getSize()
        height = 30 * mm * h / max(w, 1)
        c.drawImage(logo, RIGHT - 30 * mm, TOP - height, width=30 * mm, height=height, mask="auto")
    if issuer is not None:
        page.text(issuer.name, font=BOLD, size=12, lead=15)
        for row in issuer.address.splitlines():
            page.text(row)
        if issuer.tax_id:
            page.text(f"Tax id {issuer.tax_id}")
    period = invoicing.Period.parse(invoice.period)
    page.y -= 8
    page.text(f"Invoice {invoice.reference}", font=BOLD, size=16, lead=20)
    page.text(
        f"{organisation.name} ({organisation.account_number}) · period {period.label} · "
        f"issued {invoice.finalized_at:%Y-%m-%d}"
    )
    page.y -= 6
    _pairs(
        page,
        "",
        [
            ("Subtotal", amount(invoice.subtotal, cur)),
            ("Taxes and surcharges", amount(invoice.tax, cur)),
            ("Total due", amount(invoice.total, cur)),
        ],
        bold_last=True,
    )
    for title, field in (("Summary by site", "site"), ("Summary by cost centre", "cost_centre")):
        groups = invoicing.by_group([(getattr(ln, field), ln.amount + ln.tax) for ln in lines])
        _pairs(page, title, [(name, amount(total, cur)) for name, total in groups])
    page.y -= 4
    page.text("Lines", font=BOLD, size=10, lead=14)
    _header_row(page)
    for ln in lines:
        description = simpleSplit(ln.description, FONT, SIZE, DESCRIPTION_WIDTH) or ["-"]
        place = simpleSplit(
            " / ".join(x for x in (ln.site, ln.cost_centre) if x) or "-", FONT, SIZE, PLACE_WIDTH
        )
        rows = max(len(description), len(place))
        if page.need(rows * LEAD + 2):
            _header_row(page)
        c.setFont(FONT, SIZE)
        base = page.y - SIZE
        cells = (
            str(ln.position),
            None,
            None,
            f"{ln.quantity.normalize():f}",
            f"{ln.unit_price:,.2f}",
            f"{ln.amount:,.2f}",
            f"{ln.tax:,.2f}",
            f"{ln.amount + ln.tax:,.2f}",
        )
        for (_, x, right), value in zip(COLUMNS, cells, strict=True):
            if value is not None:
                (c.drawRightString if right else c.drawString)(x, base, value)
        for i, part in enumerate(description):
            c.drawString(COLUMNS[1][1], base - i * LEAD, part)
        for i, part in enumerate(place):
            c.drawString(COLUMNS[2][1], base - i * LEAD, part)
        page.y -= rows * LEAD + 2
    page.finish_page()
    c.save()
    return out.getvalue()
