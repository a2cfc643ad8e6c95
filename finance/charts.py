"""Charts next to the report tables, rendered on the server as SVG by pygal (maintained,
pure Python, no JavaScript needed, nothing from npm for `make run`).

The page shows them as <img> elements from our own origin: an SVG image runs no script and
loads nothing, and pygal's <style> stays inside the image (the page's CSP forbids inline
styles in the document, see finance/views/reports.py for the image's own policy). The tables
next to them carry every number, so the charts add no information a screen reader misses.
"""

from __future__ import annotations

from decimal import Decimal

import pygal
from pygal.style import Style

from finance.reports import Report

TOP_SERIES = 7  # more rows than this: the rest is one "Other" series
STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1f2933",
    foreground_strong="#1f2933",
    foreground_subtle="#7b8794",
    font_family="system-ui, -apple-system, 'Segoe UI', sans-serif",
    colors=("#2f6fde", "#e8833a", "#3aa35b", "#c9453d", "#8a5cd1", "#1b9aaa", "#b5883e", "#999"),
    label_font_size=11,
    major_label_font_size=11,
    legend_font_size=11,
    title_font_size=14,
)


def _chart(kind: type, title: str, **options) -> pygal.Graph:
    return kind(
        title=title,
        style=STYLE,
        js=[],  # no tooltip script from a CDN; an <img> would not run it anyway
        disable_xml_declaration=True,
        width=720,
        height=320,
        legend_at_bottom=True,
        legend_at_bottom_columns=2,
        print_values=False,
        truncate_legend=40,
        **options,
    )


def spend_chart(report: Report, currency: str) -> str:
    """Amount charged (total) per period, one stacked series per report row, one currency."""
    chart = _chart(
        pygal.StackedBar,
        f"Amount charged ({currency}) by {report.dimension.label.lower()}",
        x_label_rotation=30 if len(report.periods) > 8 else 0,
    )
    chart.x_labels = [period.label for period in report.periods]
    rows = [row for row in report.rows if row.charged_currency == currency]
    series: dict[str, list[Decimal]] = {}
    for row in rows:
        values = series.setdefault(row.label, [Decimal(0)] * len(report.periods))
        for n, cell in enumerate(row.cells):
            values[n] += cell.total  # reward currencies of one charged currency: same money
    ranked = sorted(series.items(), key=lambda item: -sum(item[1]))
    for label, values in ranked[:TOP_SERIES]:
        chart.add(label, [float(v) for v in values])
    if len(ranked) > TOP_SERIES:
        other = [
            sum(values[n] for _, values in ranked[TOP_SERIES:]) for n in range(len(chart.x_labels))
        ]
        chart.add("Other", [float(v) for v in other])
    return chart.render(is_unicode=True)


def status_chart(report: Report) -> str:
    """Rewards per line-item status (counts: no currency involved)."""
    from finance.reports import REWARD_STATUSES

    chart = _chart(pygal.Pie, "Rewards by line-item status", inner_radius=0.45)
    for status in REWARD_STATUSES:
        count = sum(row.numbers[f"n_{status}"] for row in report.totals)
        if count:
            chart.add(status.title(), count)
    return chart.render(is_unicode=True)
