"""The policy declarations themselves: every operation has one, a method cannot be marked
without one, the local backend checks each, and the README's table is the registry's."""
from __future__ import annotations

from pathlib import Path

import pytest

from oncall_tui.backend.api import backend_methods
from oncall_tui.backend.registry import allow, policy_table, read, write


def test_every_operation_declares_who_may_call_it():
    missing = [name for name, method in backend_methods().items() if not method.policy]
    assert not missing, f"declare who may call {missing} (@read(allow(...)) in backend/api_*.py)"


def test_a_method_without_a_policy_is_refused_when_its_module_is_imported():
    with pytest.raises(TypeError, match="declares nobody who may call it"):
        @read
        def peek(self) -> int:
            raise NotImplementedError
    with pytest.raises(TypeError, match="needs one or more allow"):
        write()
    with pytest.raises(ValueError, match="which argument"):
        allow("member")  # a member of which team?
    with pytest.raises(ValueError):
        allow("owner", person="login")
    with pytest.raises(TypeError, match="does not take"):
        @read(allow("member", team="team"))
        def peek(self, teem: str) -> int:
            raise NotImplementedError


def test_the_local_backend_checks_every_operation_before_it_runs():
    from oncall_tui.backend.local import LocalBackend

    for name, method in backend_methods().items():
        assert getattr(getattr(LocalBackend, name), "__oncall_checked__", None) == method.policy, name


def test_the_readme_lists_the_policy_of_every_operation():
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    start = readme.index("<!-- policy table: generated from the registry -->\n") + len(
        "<!-- policy table: generated from the registry -->\n")
    end = readme.index("\n<!-- end of policy table -->")
    expected = policy_table(backend_methods())
    assert readme[start:end] == expected, "README's 'Who may do what' table is out of date; put:\n" + expected
