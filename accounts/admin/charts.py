"""Bar charts as SVG geometry for a template: presentation attributes only, which the CSP (no inline style) allows."""

from dataclasses import dataclass
from datetime import date, timedelta

WIDTH, HEIGHT = 640, 200
LEFT, RIGHT, TOP, BOTTOM = 36, 8, 12, 28


@dataclass(frozen=True)
class Bar:
    """One day's bar."""

    x: float
    y: float
    width: float
    height: float
    day: str
    count: int


@dataclass(frozen=True)
class Tick:
    """An axis label at a position."""

    position: float
    label: str


@dataclass(frozen=True)
class Chart:
    """What the SVG template draws for one series."""

    title: str
    colour: str
    width: int
    height: int
    bars: list[Bar]
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    baseline: float
    total: int


def days_ending(today: date, days: int) -> list[str]:
    """The ISO dates of the last `days` days, oldest first, ending with today."""
    return [(today - timedelta(days=days - 1 - n)).isoformat() for n in range(days)]


def _nice_max(peak: int) -> int:
    """A round top for the y axis, four grid steps of 1, 2 or 5 × 10^k (an empty chart still has a scale)."""
    magnitude = 1
    while True:
        for step in (1, 2, 5):
            if step * magnitude * 4 >= peak:
                return step * magnitude * 4
        magnitude *= 10


def bar_chart(title: str, colour: str, counts: dict[str, int], days: list[str]) -> Chart:
    """A bar per day, scaled to a rounded maximum, with four horizontal grid labels."""
    top = _nice_max(max((counts.get(d, 0) for d in days), default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / len(days)
    bars = []
    for n, day in enumerate(days):
        count = counts.get(day, 0)
        h = plot_h * count / top
        bars.append(Bar(LEFT + n * slot + slot * 0.15, TOP + plot_h - h, slot * 0.7, h, day, count))
    y_ticks = [Tick(TOP + plot_h - plot_h * k / 4, str(top * k // 4)) for k in range(5)]
    x_ticks = [Tick(LEFT + n * slot + slot / 2, days[n][5:]) for n in range(0, len(days), 7)]
    total = sum(counts.get(d, 0) for d in days)
    return Chart(title, colour, WIDTH, HEIGHT, bars, y_ticks, x_ticks, TOP + plot_h, total)
