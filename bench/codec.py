"""The wire codec: encoding and decoding large answers, msgspec vs the hand-written converters.

    .venv/bin/python bench/codec.py                 # prints the table
    .venv/bin/python bench/codec.py --write         # ... and updates bench/RESULTS.md "## Wire codec"

The payloads are real answers for a manager of the demo team grown to 60 people (as
bench/server.py grows it): `team_availability()` (the team grid), `plan_problem()` (the
planner's problem) and `plan()` of a greedy draft (the plan review screen).  For each,
in the same run, alternating, medians of --repeat rounds:

- encode (what the server does with an answer): before, `json.dumps(to_jsonable(value))`;
  after, `wire.encode(value)`;
- decode (what the remote client does with the bytes): before, `json.loads` then the
  client's per-type decoder (`remote.decoder`); after, `wire.decode(type, bytes)`.

And the planner's problem inside `plan_problem()`: to its JSON data (before
`Problem.to_dict()`, after `wire.to_builtins(problem)`) and back (before
`Problem.from_dict(data)`, after `wire.convert(Problem, data)`).

"Before" is the code as it was at commit BASELINE (read with `git show`, run unchanged).
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.results import machine, write_section  # noqa: E402

BASELINE = "f361633"  # the last commit with the hand-written converters
SECTION = "## Wire codec"
TEAM = 60


def _module_at(commit: str, path: str, name: str, replace: tuple[str, str] | None = None) -> types.ModuleType:
    source = subprocess.run(["git", "-C", str(ROOT), "show", f"{commit}:{path}"], check=True,
                            capture_output=True, text=True).stdout
    if replace:
        source = source.replace(*replace)
    module = types.ModuleType(name)
    module.__package__ = name.rsplit(".", 1)[0]
    sys.modules[name] = module
    exec(compile(source, f"{commit}:{path}", "exec"), module.__dict__)
    return module


def before_codec() -> tuple[Any, Any]:
    """(encode, decode) as the server and the remote client did them at BASELINE."""
    old_wire = _module_at(BASELINE, "oncall_tui/core/wire.py", "oncall_tui.core._wire_before")
    old_remote = _module_at(BASELINE, "oncall_tui/backend/remote.py", "oncall_tui.backend._remote_before",
                            ("from ..core.wire import", "from ..core._wire_before import"))

    def encode(value: Any) -> bytes:
        return json.dumps(old_wire.to_jsonable(value), ensure_ascii=False,
                          separators=(",", ":")).encode("utf-8", "backslashreplace")

    def decode(tp: Any, raw: bytes) -> Any:
        return old_remote.decoder(tp)(json.loads(raw))

    return encode, decode


def payloads(workdir: Path) -> list[tuple[str, Any, Any]]:
    from datetime import datetime

    from bench.server import NOW, build
    from oncall_tui.backend.api import Backend
    from oncall_tui.backend.local import LocalBackend
    from oncall_tui.backend.registry import api_methods
    from oncall_tui.core.clock import FixedClock

    path = workdir / "codec.db"
    build(path, TEAM)
    backend = LocalBackend(str(path), actor="root", clock=FixedClock(datetime.fromisoformat(NOW)))
    returns = {name: m.returns for name, m in api_methods(Backend).items()}
    rotation = backend.rotations("platform")[0].slug
    draft = backend.draft_plan(rotation, solver="greedy")
    return [
        ("team_availability (team grid)", backend.team_availability("platform"), returns["team_availability"]),
        ("plan_problem (planner input)", backend.plan_problem(rotation), returns["plan_problem"]),
        ("plan (plan review)", backend.plan(draft.summary.id), returns["plan"]),
    ]


def timed(fn, *args) -> float:
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def measure(repeat: int) -> list[dict]:
    from oncall_tui.core import wire

    old_encode, old_decode = before_codec()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for label, value, tp in payloads(Path(tmp)):
            raw_old, raw_new = old_encode(value), wire.encode(value)
            assert json.loads(raw_old) == json.loads(raw_new), f"{label}: the JSON differs"
            assert old_decode(tp, raw_new) == wire.decode(tp, raw_new) == value
            t: dict[str, list[float]] = {"enc_old": [], "enc_new": [], "dec_old": [], "dec_new": []}
            for _ in range(repeat):
                t["enc_old"].append(timed(old_encode, value))
                t["enc_new"].append(timed(wire.encode, value))
                t["dec_old"].append(timed(old_decode, tp, raw_new))
                t["dec_new"].append(timed(wire.decode, tp, raw_new))
            med = {k: statistics.median(v) * 1000 for k, v in t.items()}
            rows.append({"label": label, "kb": len(raw_new) / 1024, **med})
            if label.startswith("plan_problem"):
                rows.append(_problem_row(value.data, repeat))
    return rows


def _problem_row(data: dict, repeat: int) -> dict:
    from oncall_tui.core import wire
    from oncall_tui.scheduler.problem import Problem

    old = _module_at(BASELINE, "oncall_tui/scheduler/problem.py", "oncall_tui.scheduler._problem_before")
    old_problem, problem = old.Problem.from_dict(data), wire.convert(Problem, data)
    assert wire.convert(Problem, json.loads(json.dumps(old_problem.to_dict()))) == problem  # same shape
    t: dict[str, list[float]] = {"enc_old": [], "enc_new": [], "dec_old": [], "dec_new": []}
    for _ in range(repeat):
        t["enc_old"].append(timed(old_problem.to_dict))
        t["enc_new"].append(timed(wire.to_builtins, problem))
        t["dec_old"].append(timed(old.Problem.from_dict, data))
        t["dec_new"].append(timed(wire.convert, Problem, data))
    med = {k: statistics.median(v) * 1000 for k, v in t.items()}
    return {"label": "the planner's Problem <-> its JSON data", "kb": len(wire.encode(data)) / 1024, **med}


def table(rows: list[dict]) -> str:
    out = ["| Answer | JSON | encode before | encode after | × | decode before | decode after | × |",
           "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        out.append(f"| {r['label']} | {r['kb']:.0f} KB | {r['enc_old']:.2f} ms | {r['enc_new']:.2f} ms | "
                   f"{r['enc_old'] / r['enc_new']:.1f} | {r['dec_old']:.2f} ms | {r['dec_new']:.2f} ms | "
                   f"{r['dec_old'] / r['dec_new']:.1f} |")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--write", action="store_true", help="update bench/RESULTS.md")
    args = parser.parse_args()
    rows = measure(args.repeat)
    text = table(rows)
    print(text)
    if args.write:
        body = (f"`.venv/bin/python bench/codec.py --repeat {args.repeat}`: a {TEAM}-person team's answers, "
                f"encoded as the server does and decoded as the remote client does, before (hand-written "
                f"converters, commit {BASELINE}) and after (msgspec, `oncall_tui/core/wire.py`) in the same run; "
                f"medians. Machine: {machine()}.\n\n{text}\n")
        write_section(SECTION, body)


if __name__ == "__main__":
    main()
