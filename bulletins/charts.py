"""Bar charts drawn on the server as SVG (issue 13): readable without JavaScript, and by a screen reader.

``bars`` turns a table of figures into the rectangles of a (stacked) bar chart;
the template (``bulletins/statistics/_chart.html``) draws them with a title, a
description and the same figures as a data table beside the picture, so
nothing is known only from the picture.
"""

from dataclasses import dataclass

from django.utils.translation import gettext

from queues.choices import BenefitClass

from .statistics import CLASSES

WIDTH = 640
HEIGHT = 260
LEFT = 48  # room for the scale's figures
BOTTOM = 40  # room for the month labels
TOP = 12


@dataclass(frozen=True)
class Bar:
    x: str
    y: str
    width: str
    height: str
    css: str
    text: str  # what the bar shows, read by a pointer's tooltip


@dataclass(frozen=True)
class Tick:
    y: str
    value: int


@dataclass(frozen=True)
class Chart:
    title: str
    description: str
    labels: list[str]
    series: list[tuple[str, str]]  # (name, css class) in the order they stack from the bottom
    rows: list[tuple[str, list[int]]]  # the data table: a label and one figure per series
    bars: list[Bar]
    ticks: list[Tick]
    label_x: list[tuple[str, str]]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    baseline: int = HEIGHT - BOTTOM


def _nice_top(largest: int) -> int:
    """A round top for the scale at or above ``largest``: 1, 2 or 5 times a power of ten."""
    power = 1
    while True:
        for factor in (1, 2, 5):
            if factor * power >= largest:
                return factor * power
        power *= 10


def _at(coordinate: float) -> str:
    """A coordinate as SVG reads it: a point, never the decimal comma of the page's language."""
    return f"{coordinate:.1f}"


def _parts(top: int) -> int:
    """How many steps the scale is cut into, each a whole number: ones up to 5, else fifths."""
    return top if top <= 5 else 5


def bars(
    *, title: str, description: str, labels: list[str], series: list[tuple[str, str]], values: list[list[int]]
):
    """A stacked bar chart of ``values[i][s]`` (label i, series s), bottom series first."""
    plot_height = HEIGHT - BOTTOM - TOP
    top = _nice_top(max((sum(row) for row in values), default=0) or 1)
    slot = (WIDTH - LEFT) / max(len(labels), 1)
    width = slot * 0.7
    drawn = []
    for index, row in enumerate(values):
        x = LEFT + slot * index + (slot - width) / 2
        base = HEIGHT - BOTTOM
        for (name, css), value in zip(series, row, strict=True):
            height = plot_height * value / top
            if value:
                drawn.append(
                    Bar(
                        _at(x),
                        _at(base - height),
                        _at(width),
                        _at(height),
                        css,
                        f"{labels[index]}: {name} — {value}",
                    )
                )
            base -= height
    parts = _parts(top)
    ticks = [
        Tick(HEIGHT - BOTTOM - plot_height * part / parts, top * part // parts) for part in range(parts + 1)
    ]
    label_x = [(_at(LEFT + slot * index + slot / 2), label) for index, label in enumerate(labels)]
    return Chart(
        title=title,
        description=description,
        labels=labels,
        series=series,
        rows=list(zip(labels, values, strict=True)),
        bars=drawn,
        ticks=ticks,
        label_x=label_x,
    )


def length_chart(months, lengths: list[dict[int, int]], *, title: str | None = None) -> Chart:
    """The queue's length at the end of each month, stacked by class (``statistics.length_by_class``)."""
    series = [(str(BenefitClass(value).label), f"class-{value}") for value in CLASSES]
    return bars(
        title=title or gettext("Children in the queue at the end of each month, by class"),
        description=gettext(
            "A stacked bar for each of the last twelve months: out-of-turn at the bottom, then first-turn, "
            "then general. Each entry is counted in the class it holds today."
        ),
        labels=[month.label for month in months],
        series=series,
        values=[[length[value] for value in CLASSES] for length in lengths],
    )


def given_chart(
    months, given: list[int], *, title: str | None = None, description: str | None = None
) -> Chart:
    """The places given (referrals issued) in each month."""
    return bars(
        title=title or gettext("Places given each month"),
        description=description
        or gettext("A bar for each of the last twelve months: the referrals issued in the queue."),
        labels=[month.label for month in months],
        series=[(gettext("Places given"), "given")],
        values=[[count] for count in given],
    )
