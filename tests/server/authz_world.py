"""The organisation the authorization tests run in: the demo team "platform", a second team
"payments" imported by the administrator, and a person dropped from platform.

    root   organisation administrator (first importer) and a manager of both teams
    maya   manager of platform            alice  engineer of platform
    pat    manager of payments            quinn  engineer of payments
    lena   was a platform engineer; the last import dropped her (her token went with her)
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from tests.conftest import DEMO_YOU

PAYMENTS = '''[team]
slug = "payments"
name = "Payments"
tz = "Europe/London"

[[people]]
login = "pat"
name = "Pat Payne"
email = "pat@example.com"
phones = ["+44 7700 900111"]
role = "manager"
on_rotation = false

[[people]]
login = "quinn"
name = "Quinn Quill"
email = "quinn@example.com"
phones = ["+44 7700 900222"]
role = "engineer"

[[people]]
login = "root"
name = "Root (you)"
email = "root@example.com"
role = "manager"
on_rotation = false

[[rotations]]
slug = "payments-oncall"
name = "Payments on call"
roles = ["primary", "secondary"]
'''

CALENDAR = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:a@test\r\n"
            "DTSTAMP:20261101T000000Z\r\nSUMMARY:Offsite\r\nDTSTART;VALUE=DATE:20261210\r\n"
            "DTEND;VALUE=DATE:20261211\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")

ACTORS = ["alice", "quinn", "maya", "pat", "lena", DEMO_YOU]
ADMINS = {DEMO_YOU}
TEAMS = {"platform": {DEMO_YOU: "manager", "maya": "manager", "alice": "engineer", "fatima": "engineer"},
         "payments": {"pat": "manager", "quinn": "engineer", DEMO_YOU: "manager"}}
PAST = {"lena": {"platform"}}


def drop_person(text: str, login: str) -> str:
    """A team file without `login`'s [[people]] block."""
    blocks = text.split("[[people]]")
    kept = [b for b in blocks[1:] if f'login = "{login}"' not in b]
    assert len(kept) == len(blocks) - 2, f"{login} is not in the file"
    return blocks[0] + "".join("[[people]]" + b for b in kept)


@dataclass
class World:
    path: Path
    tokens: dict[str, str] = field(default_factory=dict)
    ids: dict[str, object] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"sqlite:///{self.path}"

    def copy(self, to: Path) -> "World":
        shutil.copyfile(self.path, to)
        return World(to, self.tokens, self.ids)


def build_world(directory: Path, clock) -> World:
    from oncall_tui.backend.local import LocalBackend, forget_database
    from oncall_tui.services.demo import build_demo
    from oncall_tui.store import models as m
    from tests.conftest_backends import issue_test_token

    world = World(directory / "world.db")
    root = LocalBackend(world.url, actor=DEMO_YOU, clock=clock)
    build_demo(root, clock)
    root.import_team(PAYMENTS, "payments.toml")
    for login in ACTORS:
        world.tokens[login] = issue_test_token(root, login, days=365)
    lena_token = root._read(lambda: m.ApiToken.select().join(m.Person)
                            .where(m.Person.login == "lena").first().id)
    root.import_team(drop_person(root.export_team("platform"), "lena"), "platform.toml")
    source = root.add_calendar_source("Home", str(directory / "alice.ics"), kind="file", person="alice")
    (directory / "alice.ics").write_text(CALENDAR)
    draft = root.draft_plan("platform-247", solver="greedy", time_limit=1.0, team="platform")
    published = next(p for p in root.plans(team="platform") if p.status == "published")
    shift = next(o for o in root.shadow_options(team="platform", days=28))
    pending = root._read(lambda: m.RequirementStatus.get(m.RequirementStatus.state == "pending").id)
    world.ids.update(lena_token=lena_token, source=source.id, draft=draft.summary.id, published=published.id,
                     shift=shift.assignment_uid, pending=pending,
                     platform_file=root.export_team("platform"),
                     requirement=root.requirement_definitions("platform")[0])
    root.close()
    forget_database(world.url)
    return world
