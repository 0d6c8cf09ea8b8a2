"""The foundation's commands: demo, now, shifts, team import/export, backup, profile."""
from __future__ import annotations

import shlex
from pathlib import Path

import click

from ..formatting import plural
from .common import Ctx, echo, echo_json, handle_errors, invoked_as, parse_day, pass_ctx, table


@click.command()
@click.option("--db", "db", default=None, metavar="PATH",
              help="Where to put the demo database (default: ONCALL_DB, else the data directory).")
@click.option("--fresh", is_flag=True, help="Throw away an existing demo database and build it again.")
@click.option("--no-open", is_flag=True, help="Create it and print where it is, without opening the app.")
@pass_ctx
@handle_errors
def demo(ctx: Ctx, db: str | None, fresh: bool, no_open: bool) -> None:
    """Create a demo team in a demo database and open it."""
    import os

    from ..backend.local import open_demo, os_login
    from ..config import demo_db_path
    from ..core.clock import clock_from_env

    url = db or ctx.db or os.environ.get("ONCALL_DB") or str(demo_db_path())
    backend, info = open_demo(url, clock_from_env(), fresh=fresh)
    path = backend.db.database
    if info is not None:
        echo(f"Created a demo team ({info['team']}) at {path}")
    else:
        echo(f"Opening the demo team at {path}")
    you = os_login(demo=True)
    if ctx.act_as and ctx.act_as != you:
        echo(f"Opening it as '{ctx.act_as}'; the demo's manager on the rotation is '{you}'.")
    else:
        echo(f"You are '{you}', a manager on the rotation.")
    engineer = f"{invoked_as()} --db {shlex.quote(str(path))} --as alice"
    if no_open:
        echo(f"To see an engineer's side: {engineer}")
        return
    from ..config import Target
    from ..launch import run_app

    run_app(Target(db_url=str(path)), act_as=ctx.act_as)
    # The app had the screen until now: here is where the user reads what to run next.
    echo(f"The demo database is {path}")
    echo(f"To see an engineer's side: {engineer}")


def _person_line(p) -> str:
    return f"{p.name} ({p.login})"


@click.command()
@click.option("--team", default=None, help="Only this team (slug).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (see README: JSON output).")
@pass_ctx
@handle_errors
def now(ctx: Ctx, team: str | None, as_json: bool) -> None:
    """Who is on call right now."""
    rows = ctx.backend().now(team=team)
    if as_json:
        echo_json(rows)
        return
    if not rows:
        echo("Nobody is on call right now in " + (f"team {team}." if team else "your teams."))
        return
    out = []
    for r in rows:
        partner = ", ".join(p.name for p in r.partners) or "-"
        out.append([r.team, r.rotation_name, r.role, _person_line(r.person), r.person.contact, partner])
    echo(table(out, ["TEAM", "ROTATION", "ROLE", "PERSON", "CONTACT", "WITH"]))
    if rows[0].escalation:
        echo("Escalation: " + "; ".join(f"{e.position}. {e.name} {e.contact}" for e in rows[0].escalation))


def _partner_words(p, shift, tz: str) -> str:
    """"Jess Carter (primary)"; with its hours when the partner holds only part of the shift
    (someone covers some hours): "Jess Carter (primary 12:00-14:00)"."""
    from ..formatting import local

    if p.start <= shift.start and p.end >= shift.end:
        return f"{p.person.name} ({p.role})"
    start, end = max(p.start, shift.start), min(p.end, shift.end)
    return f"{p.person.name} ({p.role} {local(start, tz):%H:%M}-{local(end, tz):%H:%M})"


@click.command()
@click.option("--person", default=None, help="LOGIN, or * for everybody in your teams (default: you).")
@click.option("--from", "first", default=None, help="First day, YYYY-MM-DD (default: today).")
@click.option("--to", "last", default=None, help="Last day, YYYY-MM-DD (default: 4 weeks on).")
@click.option("--team", default=None, help="Only this team (slug).")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
@handle_errors
def shifts(ctx: Ctx, person, first, last, team, as_json) -> None:
    """List published shifts."""
    from ..formatting import span

    backend = ctx.backend()
    rows = backend.shifts(person=person, first=parse_day(first, "--from"), last=parse_day(last, "--to"),
                          team=team)
    if as_json:
        echo_json(rows)
        return
    tz = backend.whoami().tz
    out = []
    for d in rows:
        a = d.assignment
        partner = ", ".join(_partner_words(p, a, tz) for p in d.partners) or "-"
        out.append([span(a.start, a.end, tz), a.rotation_name, a.role, a.person.name, partner])
    if not out:
        echo("No published shifts in that range.")
        return
    echo(table(out, ["WHEN", "ROTATION", "ROLE", "PERSON", "WITH"]))


@click.group()
def team() -> None:
    """Set a team up from a file, or write it out."""


@team.command("import")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@pass_ctx
@handle_errors
def team_import(ctx: Ctx, path: Path) -> None:
    """Create or update a team from a team file (all or nothing)."""
    from ..connect import make_backend

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"cannot read {path}: {exc}") from None
    target = ctx.target
    backend = make_backend(target, act_as=ctx.act_as)  # a first import may create the database
    report = backend.import_team(text, path.name)
    echo(f"Team {report.team}: {plural(report.people_added, 'person', 'people')} added, "
         f"{report.people_updated} updated, {plural(report.rotations, 'rotation')}, "
         f"{plural(report.requirements, 'requirement')}, "
         f"{plural(report.escalation_contacts, 'escalation contact')}.")
    for line in report.refused:
        click.echo(f"Not applied: {line}", err=True)


@team.command("export")
@click.argument("slug")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
@pass_ctx
@handle_errors
def team_export(ctx: Ctx, slug: str, output: Path | None) -> None:
    """Write a team out as a team file."""
    text = ctx.backend().export_team(slug)
    if output:
        output.write_text(text, encoding="utf-8")
        echo(f"Wrote {output}")
    else:
        echo(text, nl=False)


@click.command()
@click.argument("dest", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite DEST if it exists.")
@pass_ctx
@handle_errors
def backup(ctx: Ctx, dest: Path, force: bool) -> None:
    """Make a consistent copy of the live database (safe while others use it)."""
    from ..store.backup import backup_sqlite
    from ..store.db import is_sqlite, normalise_url, sqlite_path

    target = ctx.target
    if not target.db_url or not is_sqlite(target.db_url):
        raise click.ClickException("backup copies a SQLite file; for PostgreSQL use pg_dump (see README)")
    if dest.exists() and not force:
        raise click.ClickException(f"{dest} exists; pass --force to overwrite it")
    source = sqlite_path(normalise_url(target.db_url))
    try:
        pages = backup_sqlite(source, dest)
    except (OSError, RuntimeError) as exc:
        raise click.ClickException(str(exc)) from None
    echo(f"Backed up {source} to {dest} ({pages} pages)")


PROFILE_LINES = (("Name", "name"), ("Email", "email"), ("Phones", "phones"), ("Time zone", "tz"),
                 ("On-call device", "oncall_device"), ("On-call phone", "oncall_phone"),
                 ("Calendar", "calendar_delivery"), ("Reminder (min)", "alarm_minutes"))


def _show_profile(person, as_json: bool) -> None:
    if as_json:
        echo_json(person)
        return
    echo(f"{person.name} ({person.login}), version {person.version}")
    for label, key in PROFILE_LINES:
        value = getattr(person, key)
        value = ", ".join(value) if isinstance(value, tuple) else value
        echo(f"  {label + ':':<16}{'none' if key == 'alarm_minutes' and not value else value or '-'}")
    if not (person.oncall_device and person.oncall_phone):
        echo("  The on-call device requirement needs both: oncall profile set --oncall-device … --oncall-phone …")


@click.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (see README: JSON output).")
@click.pass_context
def profile(click_ctx: click.Context, as_json: bool) -> None:
    """Your name, email, phones, time zone, on-call device and phone, and how calendar entries
    reach you: show (the default) or set."""
    if click_ctx.invoked_subcommand is None:
        click_ctx.invoke(profile_show, as_json=as_json)


@profile.command("show")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (see README: JSON output).")
@pass_ctx
@handle_errors
def profile_show(ctx: Ctx, as_json: bool) -> None:
    """Your profile as the team sees it."""
    _show_profile(ctx.backend().whoami(), as_json)


@profile.command("set")
@click.option("--name", default=None, help="How the team sees you.")
@click.option("--email", default=None)
@click.option("--phone", "phones", multiple=True, metavar="NUMBER",
              help="A phone number; repeat for several (replaces the list; --phone '' empties it).")
@click.option("--tz", default=None, metavar="ZONE", help="Your time zone, e.g. Europe/London.")
@click.option("--oncall-device", default=None, metavar="TEXT",
              help="What rings when you are on call, e.g. 'work phone'.")
@click.option("--oncall-phone", default=None, metavar="NUMBER", help="The number that rings when you are on call.")
@click.option("--calendar", "calendar_delivery", default=None, metavar="WAY",
              help="How your calendar entries reach you: feed, email, caldav or none.")
@click.option("--alarm-minutes", default=None, metavar="MINUTES",
              help="Your reminder before each shift, in minutes (0 or none: no reminder).")
@click.option("--expected-version", type=int, default=None, metavar="N",
              help="Refuse (exit 4) if the profile changed since you read this version.")
@click.option("--json", "as_json", is_flag=True, help="Print the saved profile as JSON.")
@pass_ctx
@handle_errors
def profile_set(ctx: Ctx, name, email, phones, tz, oncall_device, oncall_phone, calendar_delivery, alarm_minutes,
                expected_version, as_json) -> None:
    """Change your own details (only the ones given); all or nothing."""
    from ..core.checks import check_alarm_minutes

    changes = dict(name=name, email=email, phones=list(phones) if phones else None, tz=tz,
                   oncall_device=oncall_device, oncall_phone=oncall_phone, calendar_delivery=calendar_delivery,
                   alarm_minutes=None if alarm_minutes is None else (check_alarm_minutes(alarm_minutes) or 0))
    if all(v is None for v in changes.values()):
        from ..core.errors import InvalidInput

        raise InvalidInput("nothing to change: give --name, --email, --phone, --tz, --oncall-device, "
                           "--oncall-phone, --calendar or --alarm-minutes")
    backend = ctx.backend()
    version = expected_version if expected_version is not None else backend.whoami().version
    person = backend.update_profile(version, **changes)
    if not as_json:
        echo("Saved.")
    _show_profile(person, as_json)


COMMANDS = [demo, now, shifts, team, backup, profile]
