"""Geometry of the CMA charts, drawn as server-side SVG in pages and PDFs. Pure: no ORM.

WeasyPrint runs no JavaScript (DESIGN §9), so the same template ``<svg>`` serves the agent
page, the seller portal and the PDF. Each function returns plain dicts of SVG user-space
coordinates (the view box is ``0 0 width height``) for ``templates/properties/cma_charts.html``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date

#: Miles per degree of latitude (mean Earth radius 3,958.8 mi x pi / 180).
MILES_PER_DEGREE_LAT = 69.09
#: Colours of comps by weight, light to dark (the subject is drawn in the accent colour).
WEIGHT_COLOURS = ("#9ecae1", "#6baed6", "#3182bd", "#08519c")


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Return about ``count`` round tick values covering ``[low, high]`` (steps of 1, 2 or 5 x 10^k)."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return []
    if high <= low:
        high = low + 1.0
    raw = (high - low) / max(1, count)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    first = math.floor(low / step) * step
    ticks = []
    value = first
    while value <= high + step * 0.5:
        ticks.append(round(value, 10))
        value += step
    return ticks


def _scale(value: float, lo: float, hi: float, out_lo: float, out_hi: float) -> float:
    if hi == lo:
        return (out_lo + out_hi) / 2
    return out_lo + (value - lo) / (hi - lo) * (out_hi - out_lo)


def _money_label(value: float) -> str:
    if abs(value) >= 1_000_000:
        return f"${value / 1_000_000:.1f}M"
    if abs(value) >= 1_000:
        return f"${value / 1_000:.0f}k"
    return f"${value:,.0f}"


def location_plot(
    *,
    subject: tuple[float, float],
    comps: Sequence[dict],
    width: int = 420,
    height: int = 320,
    pad: int = 24,
) -> dict:
    """Lay out the subject and comps by location (north up, equal miles on both axes).

    ``subject`` is ``(latitude, longitude)`` in degrees; each comp dict has ``latitude``,
    ``longitude``, ``weight`` (0..1) and ``label``. Returns ``{"width", "height", "subject":
    {"x","y"}, "points": [{"x","y","r","fill","label","weight"}], "scale": {"x1","x2","y",
    "label"}}`` where the scale bar spans a round number of miles.
    """
    lat0, lon0 = subject
    cos_lat = max(0.2, math.cos(math.radians(lat0)))
    # Offsets in miles from the subject: east (x) and north (y).
    offsets = [
        ((c["longitude"] - lon0) * MILES_PER_DEGREE_LAT * cos_lat, (c["latitude"] - lat0) * MILES_PER_DEGREE_LAT)
        for c in comps
    ]
    reach = max([0.25, *(max(abs(dx), abs(dy)) for dx, dy in offsets)]) * 1.1
    inner_w, inner_h = width - 2 * pad, height - 2 * pad
    miles_to_px = min(inner_w, inner_h) / (2 * reach)
    cx, cy = width / 2, height / 2
    max_weight = max([c.get("weight") or 0 for c in comps] + [1e-9])
    points = []
    for comp, (dx, dy) in zip(comps, offsets, strict=True):
        share = (comp.get("weight") or 0) / max_weight
        points.append(
            {
                "x": round(cx + dx * miles_to_px, 1),
                "y": round(cy - dy * miles_to_px, 1),
                "r": round(3 + 6 * math.sqrt(share), 1),
                "fill": WEIGHT_COLOURS[min(len(WEIGHT_COLOURS) - 1, int(share * len(WEIGHT_COLOURS)))],
                "label": comp.get("label", ""),
                "weight": comp.get("weight") or 0,
            }
        )
    bar_miles = next((m for m in (2.0, 1.0, 0.5, 0.25, 0.1) if m * miles_to_px <= inner_w / 3), 0.1)
    return {
        "width": width,
        "height": height,
        "subject": {"x": round(cx, 1), "y": round(cy, 1)},
        "points": points,
        "scale": {
            "x1": pad,
            "x2": round(pad + bar_miles * miles_to_px, 1),
            "y": height - 8,
            "label": f"{bar_miles:g} mi",
        },
    }


def price_per_sqft_scatter(
    *,
    points: Sequence[dict],
    subject_living_area: float | None = None,
    subject_price_per_sqft: float | None = None,
    width: int = 420,
    height: int = 260,
) -> dict | None:
    """Lay out price per sq ft (USD, y) against living area (sq ft, x).

    ``points`` have ``living_area``, ``price_per_sqft`` and ``label``. The subject is drawn
    when both its size and estimated price per sq ft are given. Returns ``None`` with no
    points, else ``{"width","height","plot": {...}, "x_ticks", "y_ticks", "points", "subject"}``.
    """
    usable = [p for p in points if p.get("living_area") and p.get("price_per_sqft")]
    if not usable:
        return None
    left, right, top, bottom = 52, width - 12, 12, height - 34
    xs = [float(p["living_area"]) for p in usable]
    ys = [float(p["price_per_sqft"]) for p in usable]
    if subject_living_area and subject_price_per_sqft:
        xs.append(float(subject_living_area))
        ys.append(float(subject_price_per_sqft))
    x_ticks = nice_ticks(min(xs) * 0.95, max(xs) * 1.05, 5)
    y_ticks = nice_ticks(min(ys) * 0.95, max(ys) * 1.05, 4)
    x_lo, x_hi, y_lo, y_hi = x_ticks[0], x_ticks[-1], y_ticks[0], y_ticks[-1]

    def place(x: float, y: float) -> tuple[float, float]:
        return round(_scale(x, x_lo, x_hi, left, right), 1), round(_scale(y, y_lo, y_hi, bottom, top), 1)

    out_points = []
    for p in usable:
        px, py = place(float(p["living_area"]), float(p["price_per_sqft"]))
        out_points.append({"x": px, "y": py, "label": p.get("label", "")})
    subject = None
    if subject_living_area and subject_price_per_sqft:
        sx, sy = place(float(subject_living_area), float(subject_price_per_sqft))
        subject = {"x": sx, "y": sy}
    return {
        "width": width,
        "height": height,
        "plot": {"left": left, "right": right, "top": top, "bottom": bottom},
        "x_ticks": [{"x": place(t, y_lo)[0], "label": f"{t:,.0f}"} for t in x_ticks],
        "y_ticks": [{"y": place(x_lo, t)[1], "label": f"${t:,.0f}"} for t in y_ticks],
        "points": out_points,
        "subject": subject,
    }


def trend_chart(*, rows: Sequence[dict], value_key: str = "median_close_price", width: int = 420, height: int = 220):
    """Lay out a monthly series as a polyline with sales-count bars.

    ``rows`` have ``month`` (a date, first of month), ``value_key`` (USD, may be None) and
    ``count``. Returns ``None`` when fewer than two months have a value, else ``{"width",
    "height","plot","polyline","dots","bars","x_ticks","y_ticks"}``.
    """
    series = [r for r in rows if r.get(value_key) is not None]
    if len(series) < 2:
        return None
    left, right, top, bottom = 56, width - 12, 12, height - 30
    months = [_month_index(r["month"]) for r in rows]
    m_lo, m_hi = min(months), max(months)
    values = [float(r[value_key]) for r in series]
    y_ticks = nice_ticks(min(values) * 0.95, max(values) * 1.05, 4)
    y_lo, y_hi = y_ticks[0], y_ticks[-1]
    max_count = max([r.get("count") or 0 for r in rows] + [1])
    bar_w = max(1.0, (right - left) / max(1, m_hi - m_lo + 1) * 0.6)
    dots, bars = [], []
    for r in rows:
        x = round(_scale(_month_index(r["month"]), m_lo, m_hi, left, right), 1)
        h = round((bottom - top) * 0.3 * (r.get("count") or 0) / max_count, 1)
        bars.append({"x": round(x - bar_w / 2, 1), "y": round(bottom - h, 1), "w": round(bar_w, 1), "h": h})
        if r.get(value_key) is not None:
            y = round(_scale(float(r[value_key]), y_lo, y_hi, bottom, top), 1)
            dots.append({"x": x, "y": y, "label": f"{r['month']:%b %Y}: {_money_label(float(r[value_key]))}"})
    step = max(1, math.ceil((m_hi - m_lo + 1) / 6))
    x_ticks = [
        {"x": round(_scale(m, m_lo, m_hi, left, right), 1), "label": f"{_month_date(m):%b %y}"}
        for m in range(m_lo, m_hi + 1, step)
    ]
    return {
        "width": width,
        "height": height,
        "plot": {"left": left, "right": right, "top": top, "bottom": bottom},
        "polyline": " ".join(f"{d['x']},{d['y']}" for d in dots),
        "dots": dots,
        "bars": bars,
        "x_ticks": x_ticks,
        "y_ticks": [{"y": round(_scale(t, y_lo, y_hi, bottom, top), 1), "label": _money_label(t)} for t in y_ticks],
    }


def _month_index(value: date) -> int:
    return value.year * 12 + value.month - 1


def _month_date(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)
