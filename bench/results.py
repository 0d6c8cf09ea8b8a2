"""bench/RESULTS.md: each benchmark replaces its own section and leaves every other one alone."""
from __future__ import annotations

import os
import platform
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().with_name("RESULTS.md")


def machine() -> str:
    """One line naming the machine a result was measured on."""
    try:
        with open("/proc/meminfo") as fh:
            kib = int(next(line for line in fh if line.startswith("MemTotal")).split()[1])
        memory = f", {kib / 1024 / 1024:.0f} GiB"
    except (OSError, StopIteration, ValueError):
        memory = ""
    try:
        import textual

        ui = f", Textual {textual.__version__}"
    except ImportError:
        ui = ""
    load = f", load average {os.getloadavg()[0]:.1f} at the end" if hasattr(os, "getloadavg") else ""
    return (f"{os.cpu_count()} cores{memory}, {platform.system()} {platform.machine()}, "
            f"Python {sys.version.split()[0]}{ui}{load}")


def _section_end(lines: list[str], start: int, level: int) -> int:
    """The index of the first line after `start` that is a heading of `level` or higher."""
    fenced = False
    for i in range(start + 1, len(lines)):
        line = lines[i]
        if line.startswith("```"):
            fenced = not fenced  # a "# comment" in a code block is no heading
        hashes = len(line) - len(line.lstrip("#"))
        if not fenced and 0 < hashes <= level and line[hashes:hashes + 1] == " ":
            return i
    return len(lines)


def _level(heading: str) -> int:
    return len(heading) - len(heading.lstrip("#"))


def write_section(heading: str, body: str, path: Path = RESULTS, parent: str | None = None) -> None:
    """Replace the section that starts with the line `heading` (e.g. "## Team grid" or
    "### Start-up") up to the next heading of the same or a higher level.  If it is absent it
    goes at the end of the `parent` section (e.g. "## Foundation") when that is there, else at
    the end of the file."""
    text = heading + "\n\n" + body.strip("\n") + "\n"
    current = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    lines = current.splitlines(keepends=True)

    def find(line_text: str) -> int | None:
        return next((i for i, line in enumerate(lines) if line.rstrip() == line_text), None)

    start = find(heading)
    if start is not None:
        end = _section_end(lines, start, _level(heading))
    else:
        under = find(parent) if parent else None
        if under is None:
            path.write_text(current.rstrip("\n") + "\n\n" + text, encoding="utf-8")
            return
        start = end = _section_end(lines, under, _level(parent))
        if start > 0 and lines[start - 1].strip():
            text = "\n" + text
    tail = "".join(lines[end:])
    path.write_text("".join(lines[:start]) + text + ("\n" + tail if tail else ""), encoding="utf-8")
