"""The printed table of bench/run.py's results."""

from __future__ import annotations

from typing import Any


def _ms(part: dict[str, Any] | None, key: str) -> str:
    return f"{part[key]:.1f}" if part else "-"


def _ratio(a: dict[str, Any] | None, b: dict[str, Any] | None) -> str:
    if not a or not b or not b["p50_ms"]:
        return "-"
    return f"{a['p50_ms'] / b['p50_ms']:.2f}x"


COLUMNS = (
    "case",
    "console p50",
    "p95",
    "admin p50",
    "p95",
    "SQL p50",
    "admin SQL p50",
    "console/admin",
    "console/SQL",
)


def ratios(row: dict[str, Any]) -> dict[str, float | None]:
    console, admin, sql = row.get("console"), row.get("admin"), row.get("sql")

    def div(a, b):
        return round(a["p50_ms"] / b["p50_ms"], 2) if a and b and b["p50_ms"] else None

    return {"console_vs_admin": div(console, admin), "console_vs_sql": div(console, sql)}


def render(results: dict[str, Any]) -> str:
    lines = []
    rows = [
        (
            row["case"],
            _ms(row.get("console"), "p50_ms"),
            _ms(row.get("console"), "p95_ms"),
            _ms(row.get("admin"), "p50_ms"),
            _ms(row.get("admin"), "p95_ms"),
            _ms(row.get("sql"), "p50_ms"),
            _ms(row.get("admin_sql"), "p50_ms"),
            _ratio(row.get("console"), row.get("admin")),
            _ratio(row.get("console"), row.get("sql")),
        )
        for row in results["cases"]
    ]
    widths = [max(len(str(r[i])) for r in [COLUMNS, *rows]) for i in range(len(COLUMNS))]
    fmt = "  ".join(f"{{:{'<' if i == 0 else '>'}{w}}}" for i, w in enumerate(widths))
    lines.append(fmt.format(*COLUMNS))
    lines.append("  ".join("-" * w for w in widths))
    lines += [fmt.format(*r) for r in rows]
    lines.append(
        f"(ms; {results['requests']} timed requests per cell after "
        f"{results['warmup']} warm-up; ratios on p50)"
    )
    for row in results["cases"]:
        if row.get("requests"):
            lines.append(f"  {row['case']}: {row['requests']} timed requests per cell")
        cut = [
            f"{cell} n={row[cell]['n']}"
            for cell in ("console", "admin", "sql", "admin_sql")
            if row.get(cell, {}).get("stopped_by_budget")
        ]
        if cut:
            lines.append(f"  {row['case']}: stopped by the time budget: {', '.join(cut)}")
        for key in ("note", "error"):
            if row.get(key):
                lines.append(f"  {row['case']}: {key}: {row[key]}")
    sync = results.get("sync")
    if sync:
        lines.append("")
        lines.append(
            f"Sync upsert (apply_tango_orders, pages of 100): {sync['orders']:,} changed orders "
            f"in {sync['upsert_seconds']} s = {sync['upsert_orders_per_s']:,} orders/s"
        )
        lines.append(
            f"Naive update_or_create loop: {sync['naive_sample']:,} orders in "
            f"{sync['naive_seconds']} s = {sync['naive_orders_per_s']:,} orders/s "
            f"(extrapolated to {sync['orders']:,}: {sync['naive_extrapolated_seconds']} s); "
            f"upsert / naive = {sync['upsert_vs_naive']}x"
        )
        if "list_calls" in sync:
            lines.append(
                f"Tango list calls: {sync['list_calls']} for {sync['list_sample']:,} orders "
                f"({sync['list_calls_per_order']} per order; ceil(N/100) = "
                f"{sync['list_calls_ideal']}; {sync['list_windows']} date windows)"
            )
    return "\n".join(lines)
