"""`oncall plan` (draft a schedule) and `oncall publish` (make a draft the plan)."""
from __future__ import annotations

import os
import sys
import time

import click

from ..formatting import plural
from .common import Ctx, echo, echo_json, handle_errors, pass_ctx, table

PRINTING = 0.1  # seconds set aside for printing the draft once it is saved


def plan_text(view) -> str:
    """A draft as a manager reads it in a terminal: cells, gaps, fairness, warnings."""
    from ..core.planning import day_label

    s = view.summary
    several = len({c.start for c in view.cells}) > len({c.start.date() for c in view.cells}) + 1
    lines = [f"Plan {s.id} ({s.status}) for {s.rotation_name}, {s.first_day:%B %Y}: "
             f"score {s.score}" + (f", bound {s.bound}" if s.bound is not None else "")
             + f" · {view.solve_note}"]
    by_start: dict = {}
    for c in view.cells:
        by_start.setdefault(c.start, {})[c.role] = c.login or "—"
    rows = [[day_label(start, view.tz, several)] + [cells.get(r, "") for r in view.roles]
            for start, cells in sorted(by_start.items())]
    lines += ["", table(rows, ["SHIFT"] + [r.upper() for r in view.roles])]
    lines += ["", f"Gaps: {len(view.gaps)}" + (" (every shift covered)" if not view.gaps else "")]
    for g in view.gaps:
        lines.append(f"  {day_label(g.start, view.tz, several)} {g.role}: nobody fits")
        lines += [f"    {reason}" for reason in g.reasons]
    people = [[p.login, str(p.shifts), str(p.points), f"{p.past:g}", f"{p.target:.1f}", f"{p.deviation:+.1f}"]
              for p in view.people]
    lines += ["", "Fairness (points: weekday 2, weekend/holiday 3)",
              table(people, ["PERSON", "SHIFTS", "POINTS", "PAST", "TARGET", "DEVIATION"])]
    if view.warnings:
        lines += ["", f"Warnings ({len(view.warnings)}):"] + [f"  {w}" for w in view.warnings]
    lines += ["", f"Review it in the app (press p), or publish it: oncall publish {s.id}"]
    return "\n".join(lines)


@click.command()
@click.option("--rotation", "-r", required=True, help="Rotation slug, e.g. platform-247.")
@click.option("--month", "-m", default=None, metavar="YYYY-MM", help="The month to plan (default: next month).")
@click.option("--team", default=None, help="Team slug, when several teams have that rotation name.")
@click.option("--time-limit", default=10.0, show_default=True, type=float, help="Seconds the solver may use.")
@click.option("--solver", type=click.Choice(["cpsat", "greedy"]), default="cpsat", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the draft as JSON.")
@pass_ctx
@handle_errors
def plan(ctx: Ctx, rotation: str, month: str | None, team: str | None, time_limit: float, solver: str,
         as_json: bool) -> None:
    """Draft a fair plan for a rotation and a month (managers)."""
    from . import STARTED

    if 0 < time_limit <= 600:  # the limit is this command's: what starting it took comes off
        time_limit = max(0.1 * time_limit, time_limit - (time.perf_counter() - STARTED) - PRINTING)
    view = ctx.backend().draft_plan(rotation, month=month, solver=solver, time_limit=time_limit, team=team)
    if as_json:
        echo_json(view)
    else:
        echo(plan_text(view))
    _exit_now()


def _exit_now() -> None:
    """The draft is saved and printed: end the process without tearing OR-Tools (and the
    pandas it loads) down, which takes half a second of the time limit.  Only in a real
    process writing to the real stdout (never under a test runner that captures it)."""
    if "ortools" not in sys.modules or sys.stdout is not sys.__stdout__ or sys.stderr is not sys.__stderr__:
        return
    for stream in (sys.__stdout__, sys.__stderr__):
        if stream is not None:
            stream.flush()
    os._exit(0)


@click.command()
@click.argument("plan_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print the published plan's summary as JSON.")
@pass_ctx
@handle_errors
def publish(ctx: Ctx, plan_id: int, as_json: bool) -> None:
    """Publish draft PLAN_ID: it replaces the plan published for its period (kept as superseded)."""
    backend = ctx.backend()
    view = backend.plan(plan_id)
    summary = backend.publish_plan(plan_id, expected_version=view.summary.version)
    if as_json:
        echo_json(summary)
        return
    echo(f"Published plan {summary.id} as #{summary.number} for {summary.rotation_name}, "
               f"{summary.first_day:%B %Y}" + (f" ({plural(summary.gaps, 'gap')} left)" if summary.gaps else "") + ".")


@click.command("plans")
@click.option("--rotation", "-r", default=None)
@click.option("--team", default=None)
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
@handle_errors
def plans(ctx: Ctx, rotation: str | None, team: str | None, as_json: bool) -> None:
    """List plans (drafts for managers, published and superseded ones for everybody)."""
    rows = ctx.backend().plans(rotation=rotation, team=team)
    if as_json:
        echo_json(rows)
        return
    if not rows:
        echo("No plans yet.")
        return
    echo(table([[str(p.id), p.rotation, p.month, p.status, str(p.number or ""), p.solver,
                       str(p.score if p.score is not None else ""), str(p.gaps)] for p in rows],
                     ["ID", "ROTATION", "MONTH", "STATUS", "NO.", "SOLVER", "SCORE", "GAPS"]))


COMMANDS = [plan, publish, plans]
