"""A small PNG of sessions and people per month and per team, for cards and reports.

Drawn with Pillow: four bar panels are a few rectangles and labels, and Pillow is a fraction
of matplotlib's install (no numpy, no font cache to build at first use). A palette image keeps
the PNG to a few kilobytes, so it can travel inside an Adaptive Card as a data URI.
"""

import base64
import io
from collections.abc import Sequence
from datetime import date

from PIL import Image, ImageDraw, ImageFont

from training.figures.totals import Totals

WIDTH, HEIGHT = 720, 440
BACKGROUND = (255, 255, 255)
INK = (40, 40, 40)
SUBTLE = (150, 150, 150)
SESSIONS = (91, 95, 199)  # Teams purple
PEOPLE = (0, 120, 110)
MAX_TEAMS = 8


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _short(name: str, limit: int = 16) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def _columns(
    draw: ImageDraw.ImageDraw,
    box: tuple[int, int, int, int],
    title: str,
    labels: Sequence[str],
    values: Sequence[int],
    colour: tuple[int, int, int],
) -> None:
    """Vertical bars (one per month), the value above each bar when there is room."""
    left, top, right, bottom = box
    draw.text((left, top), title, fill=INK, font=_font(13))
    chart_top, chart_bottom = top + 34, bottom - 18
    draw.line((left, chart_bottom, right, chart_bottom), fill=SUBTLE)
    if not values:
        draw.text((left, chart_top), "Nothing in this period", fill=SUBTLE, font=_font(11))
        return
    peak = max(max(values), 1)
    slot = (right - left) / len(values)
    every = max(1, round(len(values) / 12))  # at most about 12 labels along the axis
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        x0 = left + i * slot + slot * 0.15
        x1 = left + (i + 1) * slot - slot * 0.15
        height = (chart_bottom - chart_top) * value / peak
        if value:
            draw.rectangle((x0, chart_bottom - height, x1, chart_bottom), fill=colour)
        if slot >= 16 and value:
            draw.text(
                ((x0 + x1) / 2, chart_bottom - height - 2),
                str(value),
                fill=INK,
                font=_font(10),
                anchor="mb",
            )
        if i % every == 0:
            draw.text(
                ((x0 + x1) / 2, chart_bottom + 3), label, fill=INK, font=_font(10), anchor="mt"
            )


def _rows(
    draw: ImageDraw.ImageDraw,
    box: tuple[int, int, int, int],
    title: str,
    labels: Sequence[str],
    values: Sequence[int],
    colour: tuple[int, int, int],
) -> None:
    """Horizontal bars (one per team), the value at the end of each bar."""
    left, top, right, bottom = box
    draw.text((left, top), title, fill=INK, font=_font(13))
    if not values:
        draw.text((left, top + 34), "Nothing in this period", fill=SUBTLE, font=_font(11))
        return
    label_width = 110
    peak = max(max(values), 1)
    row = min(22.0, (bottom - top - 30) / len(values))
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = top + 30 + i * row
        draw.text((left, y + row / 2), _short(label), fill=INK, font=_font(10), anchor="lm")
        length = (right - left - label_width - 30) * value / peak
        x0 = left + label_width
        if value:
            draw.rectangle((x0, y + 3, x0 + length, y + row - 3), fill=colour)
        draw.text((x0 + length + 4, y + row / 2), str(value), fill=INK, font=_font(10), anchor="lm")


def month_label(month: date) -> str:
    """'Jan 21' at the turn of a calendar or financial year, else 'Feb'."""
    return f"{month:%b %y}" if month.month in (1, 4) else f"{month:%b}"


def chart_png(totals: Totals) -> bytes:
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    months = totals.by_month
    labels = [month_label(m.month) for m in months]
    teams = [t for t in totals.by_team if t.figures.people_attended][:MAX_TEAMS]
    half, mid = WIDTH // 2, HEIGHT // 2
    _columns(
        draw,
        (10, 8, half - 15, mid - 8),
        "Sessions delivered per month",
        labels,
        [m.sessions_delivered for m in months],
        SESSIONS,
    )
    _columns(
        draw,
        (half + 10, 8, WIDTH - 10, mid - 8),
        "People attending per month",
        labels,
        [m.people_attended for m in months],
        PEOPLE,
    )
    _rows(
        draw,
        (10, mid + 8, half - 15, HEIGHT - 8),
        "Sessions the team attended",
        [t.name for t in teams],
        [t.figures.sessions_delivered for t in teams],
        SESSIONS,
    )
    _rows(
        draw,
        (half + 10, mid + 8, WIDTH - 10, HEIGHT - 8),
        "People attending, per team",
        [t.name for t in teams],
        [t.figures.people_attended for t in teams],
        PEOPLE,
    )
    small = image.quantize(colors=16)  # a palette PNG: a few KB instead of tens
    out = io.BytesIO()
    small.save(out, format="PNG", optimize=True)
    return out.getvalue()


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
