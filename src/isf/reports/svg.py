"""Small inline SVG charts (no JavaScript, no network): bars, columns and diverging bars.

Every chart is an ``<svg role="img">`` with a ``<title>`` and a ``<desc>`` listing the values,
so it reads out on a screen reader and prints without any library.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from html import escape

__all__ = ["column_chart", "diverging_chart", "hbar_chart"]

_BLUE = "#2b6cb0"
_RED = "#c0392b"
_GREEN = "#1e8449"
_GREY = "#5f6b76"


def _desc(items: Sequence[tuple[str, float]], fmt: Callable[[float], str]) -> str:
    return "; ".join(f"{label}: {fmt(v)}" for label, v in items)


def _short(label: str, limit: int = 40) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _label_width(labels: Iterable[str]) -> int:
    """Room for the longest (shortened) label at about 7 px a character: names are never cut."""
    return max(120, min(300, 7 * max((len(_short(str(x))) for x in labels), default=0) + 12))


def _svg(width: int, height: int, title: str, desc: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" class="chart" font-family="system-ui, sans-serif" font-size="12">'
        f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>" + "".join(body) + "</svg>"
    )


def hbar_chart(
    items: Sequence[tuple[str, float]], *, title: str, fmt: Callable[[float], str] = lambda v: f"{v:,.0f}",
    width: int = 640, color: str = _BLUE,
) -> str:
    """Horizontal bars, one per (label, value); values are assumed non-negative."""
    bar_h, gap, value_w = 18, 6, 90
    label_w = _label_width(label for label, _ in items)
    width = max(width, label_w + 470)
    height = max(1, len(items)) * (bar_h + gap) + 10
    top = max((v for _, v in items), default=0) or 1
    plot_w = width - label_w - value_w
    body = []
    for i, (label, v) in enumerate(items):
        y = 5 + i * (bar_h + gap)
        w = max(0.0, v) / top * plot_w
        body.append(
            f'<text x="{label_w - 6}" y="{y + bar_h * 0.72:.1f}" text-anchor="end">{escape(_short(label))}</text>'
            f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{color}"/>'
            f'<text x="{label_w + w + 4:.1f}" y="{y + bar_h * 0.72:.1f}" fill="{_GREY}">{escape(fmt(v))}</text>'
        )
    return _svg(width, height, title, _desc(items, fmt), body)


def column_chart(
    items: Sequence[tuple[str, float]], *, title: str, fmt: Callable[[float], str] = lambda v: f"{v:,.0f}",
    width: int = 420, height: int = 220, color: str = _BLUE,
) -> str:
    """Vertical columns (e.g. per tertial), labels under each column and values above."""
    n = max(1, len(items))
    top = max((v for _, v in items), default=0) or 1
    base, head = height - 24, 20
    slot = (width - 20) / n
    body = [f'<line x1="10" y1="{base}" x2="{width - 10}" y2="{base}" stroke="{_GREY}"/>']
    for i, (label, v) in enumerate(items):
        h = max(0.0, v) / top * (base - head)
        x = 10 + i * slot + slot * 0.15
        w = slot * 0.7
        body.append(
            f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{color}"/>'
            f'<text x="{x + w / 2:.1f}" y="{base - h - 4:.1f}" text-anchor="middle" fill="{_GREY}">{escape(fmt(v))}</text>'
            f'<text x="{x + w / 2:.1f}" y="{height - 7}" text-anchor="middle">{escape(label)}</text>'
        )
    return _svg(width, height, title, _desc(items, fmt), body)


def diverging_chart(
    items: Sequence[tuple[str, float]], *, title: str, fmt: Callable[[float], str] = lambda v: f"{v:+,.0f}",
    width: int = 640,
) -> str:
    """Bars left (red, loss) or right (green, gain) of a zero line: redistribution effects."""
    bar_h, gap, pad = 18, 6, 80
    label_w = _label_width(label for label, _ in items)
    width = max(width, label_w + 470)
    height = max(1, len(items)) * (bar_h + gap) + 10
    top = max((abs(v) for _, v in items), default=0) or 1
    half = (width - label_w - 2 * pad) / 2
    zero = label_w + pad + half
    body = [f'<line x1="{zero:.1f}" y1="0" x2="{zero:.1f}" y2="{height}" stroke="{_GREY}"/>']
    for i, (label, v) in enumerate(items):
        y = 5 + i * (bar_h + gap)
        w = abs(v) / top * half
        x = zero if v >= 0 else zero - w
        tx, anchor = (zero + w + 4, "start") if v >= 0 else (zero - w - 4, "end")
        body.append(
            f'<text x="{label_w - 6}" y="{y + bar_h * 0.72:.1f}" text-anchor="end">{escape(_short(label))}</text>'
            f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{_GREEN if v >= 0 else _RED}"/>'
            f'<text x="{tx:.1f}" y="{y + bar_h * 0.72:.1f}" text-anchor="{anchor}" fill="{_GREY}">{escape(fmt(v))}</text>'
        )
    return _svg(width, height, title, _desc(items, fmt), body)
