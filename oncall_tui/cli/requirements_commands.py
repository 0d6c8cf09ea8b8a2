"""`oncall requirements`: the checklist for scripts, and the acts around it."""
from __future__ import annotations

import click

from .common import Ctx, echo, echo_json, handle_errors, pass_ctx, table

METHOD_WORDS = {"self": "you record it", "manager": "a manager verifies", "auto": "automatic"}


def next_step(item) -> str:
    """The command that moves a requirement forward, if there is one."""
    req = item.requirement
    if item.state in ("met", "waived", "pending"):
        return ""
    if req.method == "self":
        return f"oncall requirements attest {req.slug} --evidence '…' [--link URL]"
    if req.method == "manager":
        return f"oncall requirements request {req.slug} --evidence '…' [--link URL]"
    if req.auto and req.auto.kind == "shadow_shifts":
        return "oncall requirements shadow   (then: oncall requirements shadow UID)"
    return ""


def print_readiness(r) -> None:
    from ..formatting import when

    echo(f"{r.person.name} ({r.person.login}) · team {r.team} · as of {when(r.at, r.team_tz)}")
    echo(r.summary)
    if not r.items:
        echo("The team has no requirements: anyone may go on call.")
        return
    rows = [[f"{i.symbol} {i.words}", i.requirement.slug, ",".join(i.requirement.roles),
             METHOD_WORDS.get(i.requirement.method, i.requirement.method), i.detail] for i in r.items]
    echo(table(rows, ["STATE", "REQUIREMENT", "ROLES", "HOW MET", "DETAIL"]))
    echo("")
    for role in r.roles:
        mark = "✓ eligible" if role.eligible else "✗ not eligible"
        echo(f"{role.role:<10} {mark}" + (": " + "; ".join(role.blockers) if role.blockers else ""))
    todo = [i for i in r.items if not i.counts or i.state == "expiring"]
    if todo:
        echo("\nTo obtain:")
    for i in todo:
        req = i.requirement
        echo(f"  {req.name} ({req.slug})" + (f": {req.how}" if req.how else ""))
        if req.link:
            echo(f"    link: {req.link}")
        if req.command:
            echo(f"    run:  {req.command}")
        step = next_step(i) if r.is_me else ""
        if step:
            echo(f"    then: {step}")


@click.group(invoke_without_command=True)
@click.option("--person", default=None, metavar="LOGIN", help="Someone in a team you manage (default: you).")
@click.option("--team", default=None, metavar="SLUG", help="Which team (default: your first).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def requirements(click_ctx: click.Context, person: str | None, team: str | None, as_json: bool) -> None:
    """What you need before going on call, whether you have it, and how to get it."""
    if click_ctx.invoked_subcommand is None:
        _show(click_ctx.find_object(Ctx), person, team, as_json)


@handle_errors
def _show(ctx: Ctx, person, team, as_json) -> None:
    r = ctx.backend().requirements(person=person, team=team)
    if as_json:
        echo_json(r)
    else:
        print_readiness(r)


def _evidence_options(fn):
    fn = click.option("--link", default="", metavar="URL", help="An http(s) link to the evidence.")(fn)
    fn = click.option("--evidence", default="", metavar="TEXT", help="A short note: what you did, when.")(fn)
    fn = click.option("--team", default=None, metavar="SLUG")(fn)
    return click.option("--json", "as_json", is_flag=True)(fn)


@requirements.command("attest")
@click.argument("requirement")
@_evidence_options
@pass_ctx
@handle_errors
def attest(ctx: Ctx, requirement: str, team, evidence: str, link: str, as_json: bool) -> None:
    """Record that you met a self-attested REQUIREMENT (its slug)."""
    r = ctx.backend().attest(requirement, team=team, evidence=evidence, link=link)
    echo_json(r) if as_json else echo(f"Recorded. {r.summary}")


@requirements.command("request")
@click.argument("requirement")
@_evidence_options
@pass_ctx
@handle_errors
def request(ctx: Ctx, requirement: str, team, evidence: str, link: str, as_json: bool) -> None:
    """Ask a manager to verify REQUIREMENT, with evidence."""
    r = ctx.backend().request_verification(requirement, team=team, evidence=evidence, link=link)
    echo_json(r) if as_json else echo(f"Asked a manager to verify it. {r.summary}")


@requirements.command("pending")
@click.option("--team", required=True, metavar="SLUG")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
@handle_errors
def pending(ctx: Ctx, team: str, as_json: bool) -> None:
    """Requests waiting for verification (managers)."""
    rows = ctx.backend().pending_verifications(team)
    if as_json:
        echo_json(rows)
        return
    if not rows:
        echo("Nothing is waiting for verification.")
        return
    echo(table([[str(p.status_id), p.person.login, p.requirement.slug,
                       f"{p.requested_at:%Y-%m-%d}" if p.requested_at else "-",
                       " ".join(x for x in (p.evidence, p.evidence_link) if x)] for p in rows],
                     ["ID", "PERSON", "REQUIREMENT", "ASKED", "EVIDENCE"]))
    echo("Approve with `oncall requirements approve ID`, reject with `... reject ID --reason '…'`.")


def _decide(ctx: Ctx, status_id: int, approve: bool, reason: str, as_json: bool) -> None:
    r = ctx.backend().decide_verification(status_id, approve=approve, reason=reason)
    if as_json:
        echo_json(r)
    else:
        echo(f"{'Approved' if approve else 'Rejected'}. {r.person.name}: {r.summary}")


@requirements.command("approve")
@click.argument("status_id", type=int)
@click.option("--reason", default="", help="Optional note.")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
@handle_errors
def approve(ctx: Ctx, status_id: int, reason: str, as_json: bool) -> None:
    """Approve a pending verification (managers)."""
    _decide(ctx, status_id, True, reason, as_json)


@requirements.command("reject")
@click.argument("status_id", type=int)
@click.option("--reason", required=True, help="Why: the engineer sees it.")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
@handle_errors
def reject(ctx: Ctx, status_id: int, reason: str, as_json: bool) -> None:
    """Reject a pending verification, with a reason (managers)."""
    _decide(ctx, status_id, False, reason, as_json)


@requirements.command("grant")
@click.argument("person")
@click.argument("requirement")
@click.option("--note", required=True, help="Why: kept in the audit log.")
@click.option("--waive", is_flag=True, help="Waive it instead of marking it met.")
@click.option("--team", default=None, metavar="SLUG")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
@handle_errors
def grant(ctx: Ctx, person: str, requirement: str, note: str, waive: bool, team, as_json: bool) -> None:
    """Mark REQUIREMENT met (or waived) for PERSON (managers)."""
    r = ctx.backend().grant(person, requirement, team=team, waive=waive, note=note)
    echo_json(r) if as_json else echo(f"{'Waived' if waive else 'Marked met'}. {r.person.name}: {r.summary}")


@requirements.command("team")
@click.argument("team")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
@handle_errors
def team_matrix(ctx: Ctx, team: str, as_json: bool) -> None:
    """Everyone in TEAM against every requirement (managers)."""
    from ..core.domain_requirements import STATE_SYMBOLS, STATE_WORDS

    t = ctx.backend().team_readiness(team)
    if as_json:
        echo_json(t)
        return
    heads = ["PERSON"] + [r.slug for r in t.requirements] + ["ELIGIBLE"]
    rows = [[row.person.login] + [STATE_SYMBOLS[s] for s in row.states] + [",".join(row.eligible_roles) or "-"]
            for row in t.rows]
    echo(table(rows, heads))
    echo("Key: " + "  ".join(f"{STATE_SYMBOLS[s]} {w}" for s, w in STATE_WORDS.items()))
    if t.pending:
        echo(f"{len(t.pending)} waiting for verification: `oncall requirements pending --team {t.team}`")


@requirements.command("shadow")
@click.argument("uid", required=False)
@click.option("--cancel", is_flag=True, help="Give up your shadow place on that shift.")
@click.option("--team", default=None, metavar="SLUG")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
@handle_errors
def shadow(ctx: Ctx, uid: str | None, cancel: bool, team, as_json: bool) -> None:
    """List upcoming shifts to shadow, or sign up to shadow the shift UID."""
    from ..formatting import span

    backend = ctx.backend()
    if uid:
        o = backend.cancel_shadow(uid) if cancel else backend.sign_up_shadow(uid)
        if as_json:
            echo_json(o)
            return
        tz = backend.whoami().tz
        done = "Gave up your place on" if cancel else "You shadow"
        echo(f"{done} {span(o.start, o.end, tz)} with {', '.join(p.name for p in o.on_call)}.")
        return
    options = backend.shadow_options(team=team)
    if as_json:
        echo_json(options)
        return
    if not options:
        echo("No upcoming published shifts to shadow.")
        return
    tz = backend.whoami().tz
    echo(table([[o.assignment_uid, span(o.start, o.end, tz), ", ".join(p.name for p in o.on_call),
                       ("you" if o.mine else o.shadow.name) if o.shadow else "free"] for o in options],
                     ["UID", "WHEN", "ON CALL", "SHADOW"]))


COMMANDS = [requirements]
