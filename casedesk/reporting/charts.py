"""Server-drawn SVG charts laid out in Python: axes, tick labels and a legend, so a
report reads without JavaScript; the template only places what is computed here."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

WIDTH, HEIGHT, NARROW = 720, 280, 400
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 44
MAX_DOTS = 45
COLOURS = ("#0b5cad", "#6aa84f", "#c27c0e", "#a33", "#6a4c93")


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]
    kind: str = "bar"  # or "line"


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def _fmt(value: float) -> str:
    return f"{value:g}" if value < 10_000 else f"{value / 1000:g}k"


def over_time(
    labels: Sequence[str], series: Sequence[Series], *, title: str, y_max: float | None = None, unit: str = ""
) -> dict[str, Any]:
    """Bars (grouped) and lines over periods, drawn twice: wide, and narrow for a phone
    (its text would be too small were the wide one shrunk to fit)."""
    chart = _over_time(labels, series, title=title, y_max=y_max, unit=unit, width=WIDTH, ticks=10)
    chart["compact"] = _over_time(labels, series, title=title, y_max=y_max, unit=unit, width=NARROW, ticks=4)
    return chart


def across(
    labels: Sequence[str], series: Sequence[Series], *, title: str, y_max: float | None = None, unit: str = ""
) -> dict[str, Any]:
    """Horizontal bars, one group per label (an agent, a platform, a status), wide and narrow."""
    chart = _across(labels, series, title=title, y_max=y_max, unit=unit, width=WIDTH, label_w=170)
    chart["compact"] = _across(labels, series, title=title, y_max=y_max, unit=unit, width=NARROW, label_w=120)
    return chart


def _over_time(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    y_max: float | None,
    unit: str,
    width: int,
    ticks: int,
) -> dict[str, Any]:
    plot_w, plot_h = width - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = (
        y_max if y_max is not None else _nice_max(max((v or 0 for s in series for v in s.values), default=0))
    )
    n = max(1, len(labels))
    slot = plot_w / n
    bars = [s for s in series if s.kind == "bar"]
    bar_w = max(1.0, slot * 0.8 / max(1, len(bars)))

    def y(value: float) -> float:
        return round(TOP + plot_h * (1 - min(value, top) / top), 1)

    shapes: list[dict[str, Any]] = []
    lines: list[dict[str, Any]] = []
    for index, s in enumerate(series):
        colour = COLOURS[index % len(COLOURS)]
        if s.kind == "bar":
            b = bars.index(s)
            for i, value in enumerate(s.values):
                if not value:
                    continue
                x = LEFT + i * slot + slot * 0.1 + b * bar_w
                shapes.append(
                    {
                        "x": round(x, 1),
                        "y": y(value),
                        "w": round(bar_w, 1),
                        "h": round(TOP + plot_h - y(value), 1),
                        "colour": colour,
                        "title": f"{s.name}, {labels[i]}: {_fmt(value)}{unit}",
                    }
                )
        else:
            points = [
                (round(LEFT + (i + 0.5) * slot, 1), y(value), labels[i], value)
                for i, value in enumerate(s.values)
                if value is not None
            ]
            lines.append(
                {
                    "colour": colour,
                    "points": " ".join(f"{px},{py}" for px, py, *_ in points),
                    # A marker and tooltip per point while they can be told apart; a long
                    # range keeps its line, and the table beside it has every value.
                    "dots": [
                        {"x": px, "y": py, "title": f"{s.name}, {label}: {_fmt(v)}{unit}"}
                        for px, py, label, v in points
                    ]
                    if len(points) <= MAX_DOTS
                    else [],
                }
            )
    every = max(1, math.ceil(n / ticks))
    x_ticks = [
        {"x": round(LEFT + (i + 0.5) * slot, 1), "label": label}
        for i, label in enumerate(labels)
        if i % every == 0
    ]
    y_ticks = [{"y": y(top * k / 4), "label": _fmt(top * k / 4) + unit} for k in range(5)]
    legend = [
        {
            "name": s.name,
            "colour": COLOURS[i % len(COLOURS)],
            "x": 8 + i * (width - 16) // max(1, len(series)),
        }
        for i, s in enumerate(series)
    ]
    return {
        "title": title,
        "width": width,
        "height": HEIGHT,
        "left": LEFT,
        "right": width - RIGHT,
        "top": TOP,
        "bottom": HEIGHT - BOTTOM,
        "label_y": HEIGHT - BOTTOM + 16,
        "legend_y": HEIGHT - 8,
        "bars": shapes,
        "lines": lines,
        "x_ticks": x_ticks,
        "y_ticks": y_ticks,
        "legend": legend,
        "empty": not any(v for s in series for v in s.values),
    }


def _across(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    y_max: float | None,
    unit: str,
    width: int,
    label_w: int,
) -> dict[str, Any]:
    bar_h, gap = 12, 10
    plot_w = width - label_w - 60
    top = (
        y_max if y_max is not None else _nice_max(max((v or 0 for s in series for v in s.values), default=0))
    )
    group_h = bar_h * len(series) + gap
    rows = []
    for i, label in enumerate(labels):
        base = TOP + i * group_h
        bars = []
        for j, s in enumerate(series):
            value = s.values[i] or 0
            w = round(plot_w * min(value, top) / top, 1)
            bars.append(
                {
                    "y": base + j * bar_h,
                    "w": w,
                    "text_x": label_w + w + 4,
                    "text_y": base + (j + 1) * bar_h - 2,
                    "colour": COLOURS[j % len(COLOURS)],
                    "value": _fmt(value) + unit,
                    "title": f"{s.name}, {label}: {_fmt(value)}{unit}",
                }
            )
        rows.append({"label": label[: label_w // 7], "y": base + bar_h + 2, "bars": bars})
    height = TOP + max(1, len(labels)) * group_h + 30
    legend = [
        {
            "name": s.name,
            "colour": COLOURS[i % len(COLOURS)],
            "x": 8 + i * (width - 16) // max(1, len(series)),
        }
        for i, s in enumerate(series)
    ]
    ticks = [{"x": round(label_w + plot_w * k / 4, 1), "label": _fmt(top * k / 4) + unit} for k in range(5)]
    return {
        "title": title,
        "width": width,
        "height": height,
        "label_w": label_w,
        "axis_y": height - 30,
        "tick_y": height - 18,
        "legend_y": height - 4,
        "rows": rows,
        "ticks": ticks,
        "legend": legend,
        "bar_h": bar_h,
        "empty": not labels,
    }
