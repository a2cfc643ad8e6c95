"""The figures generate.py prints: rows/s per table, phase times, table and index sizes."""

from __future__ import annotations

from typing import Any

TABLE_LABELS = {
    "order": "orders_order",
    "lineitem": "orders_lineitem",
    "event": "orders_orderevent",
}


def mb(n: int) -> str:
    return f"{n / 1024 / 1024:,.1f} MB"


def print_report(stats: dict[str, Any], out=print) -> None:
    out("")
    out(f"Loaded {stats['orders']:,} orders (seed {stats['seed']}, now {stats['now']}).")
    out("")
    out("Per table (COPY s = time inside COPY ... FROM STDIN; index s = rebuilding its indexes):")
    out(f"  {'table':<20}{'rows':>12}{'COPY s':>9}{'COPY rows/s':>14}{'sent':>12}{'index s':>9}")
    for key, table in TABLE_LABELS.items():
        rows = stats["rows"][key]
        copy_s = stats["copy_seconds"][key]
        out(
            f"  {table:<20}{rows:>12,}{copy_s:>9.1f}{rows / max(copy_s, 1e-9):>14,.0f}"
            f"{mb(stats['bytes'][key]):>12}{stats['index_seconds'].get(table, 0.0):>9.1f}"
        )
    load_seconds = stats["phases"]["generate + COPY"] + stats["phases"]["indexes + constraints"]
    all_rows = sum(stats["rows"].values())
    out(
        f"  {'all three':<20}{all_rows:>12,}  in {load_seconds:.1f} s generating + copying +"
        f" indexing: {all_rows / max(load_seconds, 1e-9):,.0f} rows/s"
    )
    for name, count in stats["reference"].items():
        out(f"  {name:<20}{count:>12,}  (ORM)")
    out("")
    out("Phases (wall seconds):")
    for name, seconds in stats["phases"].items():
        out(f"  {name:<34}{seconds:>8.1f}")
    out(
        f"  {'(worker CPU generating rows)':<34}{stats['gen_cpu_seconds']:>8.1f}"
        f"  with {stats['workers']} worker process(es)"
    )
    out(f"  {'(main waiting for workers)':<34}{stats['wait_seconds']:>8.1f}")
    out(f"  {'TOTAL':<34}{stats['total_seconds']:>8.1f}")
    out("")
    out("Slowest index / constraint builds:")
    for name, seconds in sorted(stats["index_statements"], key=lambda x: -x[1])[:8]:
        out(f"  {name:<52}{seconds:>7.1f} s")
    sizes = stats["sizes"]
    out("")
    out("Table sizes:")
    out(f"  {'table':<24}{'rows':>12}{'heap':>13}{'indexes':>13}{'total':>13}")
    for row in sizes["tables"]:
        out(
            f"  {row['table']:<24}{row['rows']:>12,}{mb(row['heap']):>13}"
            f"{mb(row['indexes']):>13}{mb(row['total']):>13}"
        )
    out("")
    out("Index sizes (big tables):")
    for row in sizes["indexes"]:
        if row["table"] in TABLE_LABELS.values():
            out(f"  {row['table']:<20}{row['index']:<52}{mb(row['bytes']):>12}")
    out("")
    out(f"Database size: {mb(sizes['database'])}")
    for note in stats.get("notes", []):
        out(f"Note: {note}")
