"""`oncall availability show|set|import`: my month, by hand and from calendars."""
from __future__ import annotations

import sys

import click

from ..formatting import plural
from .common import Ctx, echo, echo_json, handle_errors, parse_day, pass_ctx, table


def _check_month(month: str | None) -> str | None:
    if month is None:
        return None
    from ..core.errors import InvalidInput
    from ..core.months import parse_month

    try:
        parse_month(month)
    except InvalidInput as exc:
        raise click.BadParameter(exc.message, param_hint="--month") from None
    return month


def calendar_text(path: str) -> str:
    """Read a calendar file where oncall runs (refusing a huge one before reading it)."""
    from ..calendars import read_calendar_file
    from ..core.domain_availability import decode_calendar

    return decode_calendar(read_calendar_file(path))


@click.group()
def availability() -> None:
    """When you can be on call: show, set by hand, import calendars."""


@availability.command("show")
@click.option("--person", default=None, metavar="LOGIN", help="Someone in a team you manage.")
@click.option("--month", default=None, metavar="YYYY-MM", help="Which month (default: next month).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_ctx
@handle_errors
def show(ctx: Ctx, person: str | None, month: str | None, as_json: bool) -> None:
    """A person's month: each marked day, where its state came from, utilisation."""
    view = ctx.backend().availability(person=person, month=_check_month(month))
    if as_json:
        echo_json(view)
        return
    from ..core.domain_availability import source_words
    from ..core.recommend import utilisation_words

    echo(f"{view.person.name} ({view.person.login}) · {view.month} · "
         + utilisation_words(view.utilisation, view.busy_hours, view.working_hours, view.manual_pct))
    if view.lock_reason:
        echo(view.lock_reason)
    rows = []
    for d in view.days:
        if d.state != "available" or d.source:
            rows.append([f"{d.day:%a %d %b}", d.state, source_words(d.source), (d.note or "")[:50]])
        for mk in d.marks:  # a swap's hours, each on its own line: "asked for cover (swap 2, 21:00-23:00)"
            if mk.until is not None:
                rows.append([f"{d.day:%a %d %b}", mk.state, source_words(mk.source), mk.note[:50]])
    echo(table(rows, ["day", "state", "source", "note"]) if rows else "Nothing marked: available every day.")
    for s in view.sources:
        status = f"error: {s.last_error}" if s.last_error else (
            f"synced {s.last_synced_at:%Y-%m-%d %H:%M}Z ({s.synced_month})" if s.last_synced_at else "never synced")
        echo(f"calendar #{s.id} {s.label} ({s.kind}, {s.location}): {status}")


@availability.command("set")
@click.argument("state", type=click.Choice(["unavailable", "prefer_not", "preferred", "available", "clear"]))
@click.argument("first")
@click.argument("last", required=False)
@click.option("--note", default="", help="A note for the days.")
@click.option("--person", default=None, metavar="LOGIN", help="Someone in a team you manage.")
@click.option("--expected-version", type=int, default=None, metavar="N",
              help="The month's version as you read it (`show --json`): refuse if it changed since.")
@click.option("--json", "as_json", is_flag=True, help="Print the month as JSON.")
@pass_ctx
@handle_errors
def set_(ctx: Ctx, state: str, first: str, last: str | None, note: str, person: str | None,
         expected_version: int | None, as_json: bool) -> None:
    """Mark FIRST [LAST] (dates like 2026-12-24) by hand, or clear hand-set marks."""
    from datetime import timedelta

    start = parse_day(first, "FIRST")
    end = parse_day(last, "LAST") or start
    if end < start:
        raise click.BadParameter("LAST is before FIRST", param_hint="LAST")
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    view = ctx.backend().set_availability(days, state, note=note, person=person, expected_version=expected_version)
    if as_json:
        echo_json(view)
    else:
        from ..core.recommend import utilisation_words

        echo(f"{state}: {plural(len(days), 'day')} from {start} for {view.person.login}; {view.month} now "
             + utilisation_words(view.utilisation, view.busy_hours, view.working_hours, view.manual_pct))


@availability.command("import")
@click.argument("file_or_url")
@click.option("--person", default=None, metavar="LOGIN", help="Someone in a team you manage.")
@click.option("--month", default=None, metavar="YYYY-MM", help="Which month (default: the first still open).")
@click.option("--label", default=None, help="A name for this calendar (default: the file or host name).")
@click.option("--keep-titles", is_flag=True, help="Store event titles too (by default only busy time).")
@click.option("--dry-run", is_flag=True, help="Show what would be marked; change nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the preview or result as JSON.")
@pass_ctx
@handle_errors
def import_(ctx: Ctx, file_or_url: str, person: str | None, month: str | None, label: str | None,
            keep_titles: bool, dry_run: bool, as_json: bool) -> None:
    """Import a .ics file or a secret iCal URL: preview it, connect it, apply it.

    Importing the same file or URL again re-syncs it: only what came from it changes,
    never what was set by hand."""
    from ..calendars import CalendarError, redact_url

    month = _check_month(month)
    backend = ctx.backend()
    is_url = file_or_url.lower().split(":", 1)[0] in ("http", "https", "webcal", "webcals")
    content = None
    if not is_url:
        try:
            content = calendar_text(file_or_url)
        except CalendarError as exc:
            raise click.ClickException(str(exc)) from None
    location = file_or_url if is_url else _absolute(file_or_url)
    existing = _find_source(backend.calendar_sources(person=person), location)
    label = label or (redact_url(file_or_url).split("://", 1)[-1].split("/")[0] if is_url
                      else file_or_url.rsplit("/", 1)[-1])
    if existing is not None:
        preview = backend.preview_calendar(source_id=existing.id, month=month, content=content)
    else:
        preview = backend.preview_calendar(location=location, month=month, keep_titles=keep_titles,
                                           content=content, person=person, label=label)
    if dry_run:
        if as_json:
            echo_json(preview)
        else:
            _print_preview(preview)
            echo("Dry run: nothing changed.")
        return
    source = existing or backend.add_calendar_source(label, location, keep_titles=keep_titles, person=person)
    result = backend.sync_calendar(source.id, month=preview.month, content=content,
                                   expected_digest=preview.digest)
    if as_json:
        echo_json(result)
    else:
        _print_preview(preview)
        echo(result.message)
    if not result.ok:
        sys.exit(2)


def _absolute(path: str) -> str:
    import os

    return os.path.abspath(path)


def _find_source(sources, location: str):
    for s in sources:
        if s.location == location:
            return s
    return None


def _print_preview(preview) -> None:
    echo(f"{preview.label}: {plural(preview.event_count, 'event')}; in {preview.month}: "
               f"{preview.unavailable_days} unavailable days, {preview.busy_hours:g} busy hours")
    rows = [[f"{x.day:%a %d %b}", x.state, f"{x.busy_hours:g}", x.change, x.reason[:40]] for x in preview.marks]
    if rows:
        echo(table(rows, ["day", "state", "hours", "change", "why"]))
    if preview.removed:
        echo("no longer marked: " + ", ".join(f"{d:%d %b}" for d in preview.removed))
    for w in preview.warnings[:10]:
        echo(f"warning: {w}")


COMMANDS = [availability]
