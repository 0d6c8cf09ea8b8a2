"""bench/results.write_section: each benchmark replaces its own section of a results file
and leaves every other byte alone.  Runs on a temporary file, never bench/RESULTS.md."""
from __future__ import annotations

from pathlib import Path

import pytest

from bench.results import write_section

BEFORE = """# Benchmark results

## Team grid

Grid table.

| a | b |
|---|---|
| 1 | 2 |

"""
AFTER = """## Scheduler

Scheduler notes.
"""
FOUNDATION = """## Foundation

Machine paragraph of the parent.

### Start-up

Start-up numbers.

### Writes

Old write numbers.

"""


@pytest.fixture
def results(tmp_path: Path) -> Path:
    return tmp_path / "RESULTS.md"


def test_replacing_a_section_leaves_the_ones_around_it_byte_identical(results: Path) -> None:
    results.write_text(BEFORE + "## Calendar import\n\nOld numbers.\nMore old lines.\n\n" + AFTER)
    write_section("## Calendar import", "New numbers.", path=results)
    assert results.read_text() == BEFORE + "## Calendar import\n\nNew numbers.\n\n" + AFTER


def test_a_subsection_is_replaced_without_touching_its_siblings_or_the_next_section(results: Path) -> None:
    results.write_text(BEFORE + FOUNDATION + AFTER)
    write_section("### Writes", "New write numbers.\n\n| op | tx/s |\n|---|---|\n| raw | 1 |", path=results)
    expected = FOUNDATION.replace("Old write numbers.\n", "New write numbers.\n\n| op | tx/s |\n|---|---|\n| raw | 1 |\n")
    assert results.read_text() == BEFORE + expected + AFTER


def test_a_subsection_before_its_sibling_stops_at_the_sibling(results: Path) -> None:
    results.write_text(BEFORE + FOUNDATION + AFTER)
    write_section("### Start-up", "Faster now.", path=results)
    assert results.read_text() == BEFORE + FOUNDATION.replace("Start-up numbers.", "Faster now.") + AFTER


def test_a_comment_line_inside_a_code_fence_does_not_end_the_section(results: Path) -> None:
    fenced = ("## Team grid\n\nRun it:\n\n```sh\n# a shell comment, no heading\n## nor this\n"
              ".venv/bin/python bench/grid.py\n```\n\nText after the fence.\n\n")
    results.write_text("# Benchmark results\n\n" + fenced + AFTER)
    write_section("## Team grid", "Only this.", path=results)
    assert results.read_text() == "# Benchmark results\n\n## Team grid\n\nOnly this.\n\n" + AFTER


def test_an_absent_heading_is_appended(results: Path) -> None:
    results.write_text(BEFORE + AFTER)
    write_section("## Server", "Requests per second.", path=results)
    assert results.read_text() == BEFORE + AFTER + "\n## Server\n\nRequests per second.\n"


def test_a_missing_file_is_created_with_the_section(results: Path) -> None:
    write_section("## Server", "Requests per second.", path=results)
    assert results.read_text() == "# Benchmark results\n\n## Server\n\nRequests per second.\n"


@pytest.mark.parametrize("heading", ["## Team grid", "### Writes", "## Scheduler", "## Server"])
def test_writing_the_same_section_twice_gives_the_file_of_writing_it_once(results: Path, heading: str) -> None:
    start = BEFORE + FOUNDATION + AFTER
    body = "Line one.\n\n| x | y |\n|---|---|\n| 1 | 2 |\n"
    results.write_text(start)
    write_section(heading, body, path=results)
    once = results.read_text()
    write_section(heading, body, path=results)
    assert results.read_text() == once


def test_an_absent_subsection_goes_at_the_end_of_its_parent_not_of_the_file(tmp_path: Path):
    path = tmp_path / "RESULTS.md"
    path.write_text(BEFORE + FOUNDATION.replace("### Start-up\n\nStart-up numbers.\n\n", "") + AFTER)
    write_section("### Start-up", "New start-up numbers.", path, parent="## Foundation")
    text = path.read_text()
    assert text.index("### Writes") < text.index("### Start-up") < text.index("## Scheduler")
    assert text.endswith(AFTER)
    write_section("### Start-up", "Newer.", path, parent="## Foundation")
    assert path.read_text() == text.replace("New start-up numbers.", "Newer.")
