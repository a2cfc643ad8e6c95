"""What a chaos run found: the report from the driver's and the simulator's figures, our send
pacing read back from the workers' logs, and the table the CLI prints."""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

_POST_LINE = re.compile(
    r"^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),(\d{3}): .*tango POST /orders -> (\S+) in (\d+) ms "
    r"\(X-REQUEST-ID (\S+)\)"
)
_ORGANIC_429 = re.compile(r"TPS threshold reached', request_id='([^']+)'")


def pacing_from_logs(work_dir: Path, rate: float) -> dict[str, Any]:
    """Our own send spacing, from the workers' one-line-per-call logs (ms resolution).

    For every organic 429 (the simulator's own rate check, not an injected fault) it tells
    whether we sent it less than 1/rate after our previous POST (our pacing's fault) or not
    (the request reached the simulator's check later than we sent it: arrival jitter).
    """
    from datetime import datetime

    sends: list[tuple[float, str]] = []
    organic: set[str] = set()
    for log_path in sorted(work_dir.glob("worker*.log")):
        for line in log_path.read_text(errors="replace").splitlines():
            if match := _POST_LINE.match(line):
                stamp, millis, _status, duration, request_id = match.groups()
                at = datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S").timestamp() + int(millis) / 1000
                sends.append((at - int(duration) / 1000, request_id))
            elif match := _ORGANIC_429.search(line):
                organic.add(match.group(1))
    sends.sort()
    gaps = {rid: b - a for (a, _), (b, rid) in itertools.pairwise(sends)}
    spacing = sorted(gaps.values())
    limit = 1 / rate - 0.002 if rate > 0 else 0  # log timestamps are only to the millisecond
    ours = [rid for rid in organic if gaps.get(rid, 1e9) < limit]
    return {
        "min_send_gap": spacing[0] if spacing else None,
        "p1_send_gap": spacing[len(spacing) // 100] if spacing else None,
        "sends_closer_than_1_over_rate": sum(1 for gap in spacing if gap < limit),
        "organic_429_our_spacing": len(ours),
        "organic_429_arrival_jitter": len(organic) - len(ours),
    }


def build_report(
    events: dict[str, dict[str, Any]],
    stats: dict[str, Any],
    *,
    rate: float,
    kills_done: int,
    fault_cfg: dict[str, Any],
) -> dict[str, Any]:
    final = events["report"]
    counters = stats.get("counters", {})
    injected_429 = counters.get("fault_429", 0)
    all_429 = stats.get("responses_429", 0)
    report = dict(final)
    report.pop("phase", None)
    span = final.get("placement_span_seconds")
    report.update(
        configured_rate=rate,
        throughput_ratio=(final["throughput"] / rate) if rate and final["throughput"] else None,
        # Every POST uses a paced slot, including the ones a fault then wastes.
        post_rate=(stats.get("posts_orders", 0) / span) if span else None,
        sim_posts=stats.get("posts_orders"),
        sim_orders_total=stats.get("orders_total"),
        sim_duplicate_external_refs=len(stats.get("duplicate_external_refs", [])),
        responses_429=all_429,
        injected_429=injected_429,
        organic_429=all_429 - injected_429,
        faults_injected={
            k.removeprefix("fault_"): v for k, v in counters.items() if k.startswith("fault_")
        },
        fault_rates=fault_cfg["rates"],
        kills=kills_done,
    )
    return report


def _gaps(report: dict[str, Any]) -> str:
    low, p1 = report.get("min_send_gap"), report.get("p1_send_gap")
    return f"{low:.3f} s / {p1:.3f} s" if low is not None and p1 is not None else "-"


def format_report(report: dict[str, Any]) -> str:
    ratio = report.get("throughput_ratio")
    rows = [
        ("orders (local)", report["orders"]),
        ("created at Tango", report["created_at_tango"]),
        ("duplicates", report["duplicates"]),
        ("lost", report["lost"]),
        ("orphans at Tango", report["orphans"]),
        ("status mismatches after sync", report["status_mismatches"]),
        ("local placement states", report["local_states"]),
        ("placement throughput", f"{report['throughput'] or 0:.3f} orders/s"),
        ("configured rate", f"{report['configured_rate']:g} POST/s"),
        ("throughput / rate", f"{ratio:.3f}" if ratio else "-"),
        ("POST /orders at the simulator", report["sim_posts"]),
        ("POST /orders rate", f"{report['post_rate'] or 0:.3f} POST/s"),
        ("faults injected", report["faults_injected"]),
        ("429s seen", report["responses_429"]),
        ("  injected", report["injected_429"]),
        ("  organic (the simulator's own check)", report["organic_429"]),
        ("    sent < 1/rate after our previous", report.get("organic_429_our_spacing")),
        ("    sent on pace, arrived late", report.get("organic_429_arrival_jitter")),
        ("our send gap: min / 1st percentile", _gaps(report)),
        ("sends closer than 1/rate", report.get("sends_closer_than_1_over_rate")),
        ("workers SIGKILLed", report["kills"]),
        ("sweeper re-drives", report["sweeps"]),
        ("settle time", f"{report['settle_seconds']:.1f} s"),
        ("sync", report["sync_mode"]),
        ("sync convergence", f"{report['sync_convergence_seconds']:.2f} s"),
        ("timed out", report["timed_out"]),
    ]
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)
