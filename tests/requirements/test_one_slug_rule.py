"""One set of checks for a requirement, whether it comes from a team file or the edit form."""
from __future__ import annotations

import dataclasses

import pytest

from oncall_tui.core.errors import InvalidInput
from tests.conftest import DEMO_YOU

DOTTED = '''
[[requirements]]
slug = "incident_training.v2"
name = "Incident training, second edition"
roles = ["primary", "secondary"]
'''


def _with(backend, extra: str) -> str:
    return backend.export_team("platform").rstrip("\n") + "\n" + extra


def test_a_requirement_imported_with_a_dotted_slug_can_be_edited(as_user):
    root = as_user(DEMO_YOU)
    root.import_team(_with(root, DOTTED), "platform.toml")
    imported = next(r for r in root.requirement_definitions("platform") if r.slug == "incident_training.v2")
    edited = root.save_requirement("platform", dataclasses.replace(imported, name="Incident training v2",
                                                                    valid_days=365),
                                   expected_version=imported.version)
    assert (edited.slug, edited.name, edited.valid_days) == ("incident_training.v2", "Incident training v2", 365)
    # and a new one may be made with such a slug by hand too
    made = root.save_requirement("platform", dataclasses.replace(imported, slug="pager_drill.2027", id=0))
    assert made.slug == "pager_drill.2027"


def test_the_team_file_refuses_what_the_edit_form_would_refuse_and_names_the_line(as_user):
    root = as_user(DEMO_YOU)
    before = root.export_team("platform")
    text = _with(root, DOTTED + "valid_days = 5000\n")
    line = len(text.rstrip("\n").splitlines())
    with pytest.raises(InvalidInput) as info:
        root.import_team(text, "platform.toml")
    assert info.value.message == (f"platform.toml, line {line}: valid for must be between 1 and 3650 days "
                                  f"(or empty: never expires)")
    assert root.export_team("platform") == before, "nothing was imported"
    # today's own messages of the team file stay as they were
    with pytest.raises(InvalidInput) as info:
        root.import_team(_with(root, DOTTED.replace("incident_training.v2", "Incident Training")), "p.toml")
    assert "requirement slug 'Incident Training' is not a valid, unique slug" in info.value.message
    assert ", line " in info.value.message


@pytest.mark.parametrize("key, value, words", [
    ("name", '"Maya\\nGoldberg"', "line break"),
    ("name", '"' + "M" * 201 + '"', "at most 200"),
    ("phones", '["' + "7" * 41 + '"]', "at most 40"),
    ("oncall_device", '"pager\\u001b[2J"', "control character"),
])
def test_the_team_file_refuses_a_persons_details_the_profile_form_would_refuse(as_user, key, value, words):
    """What an import stores of a person can be edited in the app afterwards: the same checks."""
    root = as_user(DEMO_YOU)
    before = root.export_team("platform")
    person = f'\n[[people]]\nlogin = "newcomer"\nname = "New Comer"\n{key} = {value}\n'
    if key == "name":
        person = f'\n[[people]]\nlogin = "newcomer"\nname = {value}\n'
    text = before.rstrip("\n") + "\n" + person
    with pytest.raises(InvalidInput) as info:
        root.import_team(text, "platform.toml")
    assert words in info.value.message and "platform.toml, line " in info.value.message
    assert root.export_team("platform") == before, "nothing was imported"
