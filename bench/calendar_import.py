"""Calendar import speed against its own libraries, measured in the same run.

Baseline: icalendar parsing plus recurring-ical-events expansion of one month
(what any importer must pay). Ours: the full ``import_preview`` of the same
bytes for the same month (size and format checks, Windows zone names,
X-WR-TIMEZONE, expansion, busy blocks, day marks). Target (issue 4): ours at
most 1.2x the baseline.

    .venv/bin/python bench/calendar_import.py [--repeat 7] [--file PATH] [--month 2012-04]

Runs alternate baseline / ours (order flipped every round) so drift in machine
load hits both; medians are reported and written to bench/RESULTS.md under
"## Calendar import" (only that section is touched).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
import warnings
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.results import machine, write_section  # noqa: E402

DEFAULT_FILE = ROOT.parent / "shared" / "calendars" / "niccokunzm__issue42.ics"
SECTION = "## Calendar import"
TARGET_RATIO = 1.2


def baseline(data: bytes, first: date, after_last: date) -> int:
    import icalendar
    import recurring_ical_events

    cal = icalendar.Calendar.from_ical(data)
    return len(recurring_ical_events.of(cal).between(first, after_last))


def ours(data: bytes, name: str, tz: str, first: date, last: date) -> int:
    from oncall_tui.calendars import ImportRules, import_preview

    return len(import_preview(data, name, tz, first, last, ImportRules()).marks)


def timed(func, *args) -> tuple[float, int]:
    gc.collect()
    started = time.perf_counter()
    result = func(*args)
    return time.perf_counter() - started, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--month", default="2012-04", help="YYYY-MM (April 2012 is the file's busiest month)")
    parser.add_argument("--tz", default="Europe/London")
    parser.add_argument("--no-write", action="store_true", help="print only, leave RESULTS.md alone")
    args = parser.parse_args()

    warnings.simplefilter("ignore")
    data = args.file.read_bytes()
    year, month = (int(x) for x in args.month.split("-"))
    first = date(year, month, 1)
    after_last = (first + timedelta(days=32)).replace(day=1)
    last = after_last - timedelta(days=1)

    # Warm-up: imports and zoneinfo caches, for both sides.
    _, occurrences = timed(baseline, data, first, after_last)
    _, marks = timed(ours, data, args.file.name, args.tz, first, last)

    base_times: list[float] = []
    our_times: list[float] = []
    for round_number in range(args.repeat):
        order = [("base", baseline, (data, first, after_last)), ("ours", ours, (data, args.file.name, args.tz, first, last))]
        if round_number % 2:
            order.reverse()
        for label, func, func_args in order:
            seconds, _ = timed(func, *func_args)
            (base_times if label == "base" else our_times).append(seconds)
        print(f"round {round_number + 1}: baseline {base_times[-1]:.3f} s, ours {our_times[-1]:.3f} s", flush=True)

    base_median = statistics.median(base_times)
    our_median = statistics.median(our_times)
    ratio = our_median / base_median
    pair_ratio = statistics.median(o / b for o, b in zip(our_times, base_times))
    verdict = "meets" if ratio <= TARGET_RATIO else "MISSES"
    print(f"median baseline {base_median:.3f} s, ours {our_median:.3f} s, ratio {ratio:.2f}x ({verdict})")

    if not args.no_write:
        write_section(
            SECTION,
            render(args, data, occurrences, marks, base_times, our_times, base_median, our_median, ratio, pair_ratio, verdict)
        )
    return 0


def render(args, data, occurrences, marks, base_times, our_times, base_median, our_median, ratio, pair_ratio, verdict) -> str:
    """The body of the "## Calendar import" section (the heading is not part of it)."""
    from importlib.metadata import version

    def spread(values: list[float]) -> str:
        return f"{min(values):.3f}–{max(values):.3f} s"

    return "\n".join(
        [
            f"`.venv/bin/python bench/calendar_import.py --repeat {args.repeat} --month {args.month}` — "
            f"`{args.file.name}` ({len(data) / 1048576:.1f} MiB, {data.count(b'BEGIN:VEVENT'):,} VEVENTs), one month ({args.month}, "
            f"{occurrences} occurrences, {marks} day marks in {args.tz}). "
            f"icalendar {version('icalendar')}, recurring-ical-events {version('recurring-ical-events')}; "
            f"machine: {machine()}. Baseline and ours alternate within each round; medians over "
            f"{args.repeat} rounds.",
            "",
            "| measure | median | range |",
            "|---|---|---|",
            f"| baseline: `icalendar.Calendar.from_ical` + `recurring_ical_events.of(cal).between(month)` | {base_median:.3f} s | {spread(base_times)} |",
            f"| ours: `import_preview(bytes, …)` (checks, zones, expansion, busy blocks, day marks) | {our_median:.3f} s | {spread(our_times)} |",
            f"| ratio of medians (ours / baseline) | {ratio:.2f}x | per-round median {pair_ratio:.2f}x |",
            "",
            f"Target: at most {TARGET_RATIO}x the baseline ({verdict}). The file is parsed once; the"
            " extra work is a byte scan for TZIDs, one pass over top-level components (counts, skipped"
            " series) and per-occurrence work for the month only.",
            "",
        ]
    )


if __name__ == "__main__":
    sys.exit(main())
