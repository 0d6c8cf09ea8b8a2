"""The addresses of the pages `oncall serve` opens from a link, made in one place for every
area that hands one out (the swap inbox and `oncall swap list`, the calendar entries, the
mails of a swap):

    answer_path(offer)               /links/swap/<secret>   agree or decline one ask
    cant_path(assignment, person)    /links/cant/<secret>   "can't make it" for one shift
    full_link(team, path)            the team's server_url + path ("" when it has none)

A secret is an HMAC of what it opens under the database's link key (derived from its secrets
key, kept outside the database: store/secrets.py), so every process on one database makes the
same links; the database keeps only the hash of an answer link, and no trace of a can't-make-it
link (it names its assignment, whose link is recomputed to be checked).
"""
from __future__ import annotations

from typing import Any

from ..core.swaps import link_secret
from ..store import models as m

#: Team setting (team.toml's [team.settings]): the team's `oncall serve`, https://oncall.example.com
SERVER_URL_SETTING = "server_url"
ANSWER_PATH = "/links/swap/{secret}"
CANT_PATH = "/links/cant/{secret}"


_keys: dict[tuple[str, str], bytes] = {}


def link_key() -> bytes:
    """The link key of the database this write or read is on (`SecretBox.link_key`), derived
    once per key: a feed of a year of entries makes a link for each."""
    import os

    from ..store.secrets import KEY_ENV, SecretBox

    box = SecretBox(m.database.obj)
    where = (box.where(), os.environ.get(KEY_ENV, ""))
    found = _keys.get(where)
    if found is None:
        found = _keys[where] = box.link_key()
    return found


def server_url(team: m.Team) -> str:
    """The team's server address without a trailing slash, or "" when it has none."""
    return str((team.settings or {}).get(SERVER_URL_SETTING) or "").rstrip("/")


def full_link(team: m.Team, path: str) -> str:
    """`path` on the team's server, or "" when the team has no server_url (then people use the
    command line or the inbox)."""
    base = server_url(team)
    return f"{base}{path}" if base and path else ""


def answer_secret(offer: Any) -> str:
    """The secret of one ask's answer link: bound to the ask, its person and its request."""
    return link_secret(link_key(), "swap", offer.id, offer.candidate_id, offer.request_id)


def answer_path(offer: Any) -> str:
    return ANSWER_PATH.format(secret=answer_secret(offer))


def cant_mac(assignment_id: int, person_id: int, slot_id: int) -> str:
    """The HMAC part of a can't-make-it secret (43 characters)."""
    return link_secret(link_key(), "cant", assignment_id, person_id, slot_id)


def cant_secret(assignment: Any, person: Any) -> str:
    """The secret of the "can't make it" link of `person`'s shift `assignment`: it changes when
    the shift changes hands (another person) or is published again (another assignment).  The
    HMAC, then the assignment's number in hex, which says where to look (one row) and grants
    nothing without the HMAC."""
    return f"{cant_mac(assignment.id, person.id, assignment.slot_id)}{assignment.id:x}"


def cant_assignment_id(secret: str) -> int | None:
    """The assignment a can't-make-it secret names (None: a link made before it named one, or
    not a can't-make-it secret at all)."""
    tail = secret[CANT_MAC_LENGTH:]
    if not 0 < len(tail) <= 12 or any(c not in "0123456789abcdef" for c in tail):
        return None
    return int(tail, 16)


CANT_MAC_LENGTH = 43  # 32 bytes, URL-safe base64 without padding


def cant_path(assignment: Any, person: Any) -> str:
    return CANT_PATH.format(secret=cant_secret(assignment, person))
