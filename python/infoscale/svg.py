"""Minimal SVG charts for the Python-side reports (line charts and labelled scatter plots), so that
reports need no plotting package. Axes are linear; every number is printed with 4 significant
digits, so a figure is a deterministic function of its data."""

from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf")
WIDTH, HEIGHT, MARGIN = 560, 360, 56


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _range(values: np.ndarray) -> Tuple[float, float]:
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return 0.0, 1.0
    lo, hi = float(finite.min()), float(finite.max())
    if hi - lo < 1e-12:
        lo, hi = lo - 0.5, hi + 0.5
    pad = 0.04 * (hi - lo)
    return lo - pad, hi + pad


class _Frame:
    """A panel at (x0, y0) of the given size with data ranges, mapping data to pixels."""

    def __init__(self, x0: float, y0: float, w: float, h: float, xr: Tuple[float, float], yr: Tuple[float, float]):
        self.x0, self.y0, self.w, self.h, self.xr, self.yr = x0, y0, w, h, xr, yr

    def px(self, x: float) -> float:
        return self.x0 + (x - self.xr[0]) / (self.xr[1] - self.xr[0]) * self.w

    def py(self, y: float) -> float:
        return self.y0 + self.h - (y - self.yr[0]) / (self.yr[1] - self.yr[0]) * self.h

    def axes(self, title: str, xlabel: str, ylabel: str) -> List[str]:
        out = [f'<rect x="{self.x0:.1f}" y="{self.y0:.1f}" width="{self.w:.1f}" height="{self.h:.1f}" '
               'fill="none" stroke="#444"/>',
               f'<text x="{self.x0 + self.w / 2:.1f}" y="{self.y0 - 10:.1f}" text-anchor="middle" '
               f'font-size="13">{_escape(title)}</text>',
               f'<text x="{self.x0 + self.w / 2:.1f}" y="{self.y0 + self.h + 34:.1f}" text-anchor="middle" '
               f'font-size="11">{_escape(xlabel)}</text>',
               f'<text x="{self.x0 - 40:.1f}" y="{self.y0 + self.h / 2:.1f}" text-anchor="middle" font-size="11" '
               f'transform="rotate(-90 {self.x0 - 40:.1f} {self.y0 + self.h / 2:.1f})">{_escape(ylabel)}</text>']
        for k in range(5):
            x = self.xr[0] + (self.xr[1] - self.xr[0]) * k / 4
            y = self.yr[0] + (self.yr[1] - self.yr[0]) * k / 4
            out.append(f'<text x="{self.px(x):.1f}" y="{self.y0 + self.h + 16:.1f}" text-anchor="middle" '
                       f'font-size="10">{x:.4g}</text>')
            out.append(f'<text x="{self.x0 - 6:.1f}" y="{self.py(y) + 3:.1f}" text-anchor="end" '
                       f'font-size="10">{y:.4g}</text>')
        return out


def _document(width: float, height: float, body: Sequence[str]) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
            f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="sans-serif">\n'
            + "\n".join(body) + "\n</svg>\n")


def line_chart(series: Dict[str, Tuple[Sequence[float], Sequence[float]]], *, title: str, xlabel: str,
               ylabel: str, step: bool = False, vline: Optional[Tuple[float, str]] = None) -> str:
    """One panel with a line per series (name -> (x, y)); `step` draws a staircase (a CDF);
    `vline` = (x, label) marks a threshold."""
    xs = np.concatenate([np.asarray(x, float) for x, _ in series.values()] + ([np.asarray([vline[0]])] if vline else []))
    ys = np.concatenate([np.asarray(y, float) for _, y in series.values()])
    f = _Frame(MARGIN + 10, 34, WIDTH - MARGIN - 150, HEIGHT - 34 - MARGIN, _range(xs), _range(ys))
    body = f.axes(title, xlabel, ylabel)
    for k, (name, (x, y)) in enumerate(series.items()):
        x, y = np.asarray(x, float), np.asarray(y, float)
        pts = []
        for i in range(len(x)):
            if step and i > 0:
                pts.append(f"{f.px(x[i]):.1f},{f.py(y[i - 1]):.1f}")
            pts.append(f"{f.px(x[i]):.1f},{f.py(y[i]):.1f}")
        colour = PALETTE[k % len(PALETTE)]
        body.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1.6" points="{" ".join(pts)}"/>')
        body.append(f'<text x="{f.x0 + f.w + 10:.1f}" y="{f.y0 + 14 + 16 * k:.1f}" font-size="11" '
                    f'fill="{colour}">{_escape(name)}</text>')
    if vline:
        x = f.px(vline[0])
        body.append(f'<line x1="{x:.1f}" y1="{f.y0:.1f}" x2="{x:.1f}" y2="{f.y0 + f.h:.1f}" stroke="#888" '
                    'stroke-dasharray="4 3"/>')
        body.append(f'<text x="{x + 3:.1f}" y="{f.y0 + 12:.1f}" font-size="10" fill="#666">{_escape(vline[1])}</text>')
    return _document(WIDTH, HEIGHT, body)


def scatter_panels(panels: Sequence[Tuple[str, np.ndarray, Sequence[str]]], *, xlabel: str = "MDS 1",
                   ylabel: str = "MDS 2") -> str:
    """Side-by-side scatter panels (title, points (n, 2), labels), each with equal axis scales."""
    size = 300
    body: List[str] = []
    for k, (title, points, labels) in enumerate(panels):
        p = np.asarray(points, float).reshape(-1, 2)
        lo, hi = _range(p.reshape(-1))
        f = _Frame(MARGIN + 10 + k * (size + 80), 34, size, size, (lo, hi), (lo, hi))
        body += f.axes(title, xlabel, ylabel)
        for (x, y), label in zip(p, labels):
            body.append(f'<circle cx="{f.px(x):.1f}" cy="{f.py(y):.1f}" r="3.5" fill="{PALETTE[0]}"/>')
            body.append(f'<text x="{f.px(x) + 5:.1f}" y="{f.py(y) - 4:.1f}" font-size="9">{_escape(label)}</text>')
    return _document(MARGIN + 10 + len(panels) * (size + 80), size + 34 + MARGIN, body)
