"""The local backend is a facade over area services that say what they serve and what they need.

Each API method goes to exactly one service, named by that service's SERVES and checked when
oncall_tui.backend.local is imported; what one area takes from another is an argument of its
constructor, so no order of anything can silently swap an area's answer for a default."""
from __future__ import annotations

import subprocess
import sys

import pytest

from oncall_tui.backend.api import Backend
from oncall_tui.backend.local import AREAS, ROUTES, LocalBackend, Services
from oncall_tui.backend.registry import declared_policies, routes
from oncall_tui.services.core import CoreService
from oncall_tui.services.requirements import RequirementsService

from ..conftest import DEMO_YOU


def test_every_api_method_resolves_to_exactly_one_service_method():
    declared = declared_policies(Backend)
    assert set(ROUTES) == set(declared)
    for name, area in ROUTES.items():
        servers = [a for a, cls in AREAS.items() if name in cls.SERVES]
        assert servers == [area], (name, servers)
        assert callable(getattr(AREAS[area], name))
        facade = getattr(LocalBackend, name)
        assert facade.__oncall_checked__ == declared[name], name  # behind its declared policy


def test_the_order_of_the_areas_changes_nothing():
    assert routes(Backend, dict(reversed(AREAS.items()))) == ROUTES


def test_each_call_reaches_the_service_it_routes_to(demo_db, clock):
    backend = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    assert isinstance(backend.services, Services)
    assert backend.whoami().login == DEMO_YOU
    assert [t.slug for t in backend.teams()] == ["platform"]
    assert backend.requirement_definitions("platform")
    assert 'slug = "platform"' in backend.export_team("platform")


@pytest.mark.parametrize("who", [DEMO_YOU, "kofi"])
def test_the_home_screen_has_every_line(demo_db, clock, who):
    """The requirements line comes from the requirements area, the swaps line from the core:
    neither may fall back to an empty default."""
    home = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock).acting_as(who).home()
    assert home.requirements_summary.startswith("Requirements: ") and " of 5 met" in home.requirements_summary
    assert home.swaps_summary.startswith("Swaps: ")
    if who == "kofi":
        assert "eligible: shadow" in home.requirements_summary  # his own standing, not root's


def test_a_core_service_made_alone_says_the_same_as_the_backend(demo_db, clock):
    """What the home screen needs from the requirements area is an argument: the core service
    made by hand with it answers like the backend's."""
    backend = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    ctx = backend.context.acting_as("kofi")
    core = CoreService(ctx, requirements_line=RequirementsService(ctx).requirements_line)
    assert core.home() == backend.acting_as("kofi").home()


def _import_local_after(change: str) -> subprocess.CompletedProcess:
    code = f"{change}\nimport oncall_tui.backend.local\n"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)


def test_an_api_method_nobody_serves_fails_at_import():
    done = _import_local_after("from oncall_tui.services.core import CoreService\n"
                               "CoreService.SERVES = tuple(n for n in CoreService.SERVES if n != 'whoami')")
    assert done.returncode != 0
    assert "no service serves the API method 'whoami'" in done.stderr


def test_an_api_method_served_twice_fails_at_import():
    done = _import_local_after("from oncall_tui.services.admin import AdminService\n"
                               "AdminService.SERVES = AdminService.SERVES + ('home',)\n"
                               "AdminService.home = lambda self, horizon_days=42: None")
    assert done.returncode != 0
    assert "'home' is served twice: by CoreService and AdminService" in done.stderr


def test_a_service_method_of_other_parameters_than_the_api_is_refused():
    class Core(CoreService):
        def whoami(self, login: str):  # the API's whoami takes nothing
            raise NotImplementedError

    with pytest.raises(TypeError, match=r"Core.whoami takes \(login\); the API declares \(\)"):
        routes(Backend, {**AREAS, "core": Core})


def test_a_service_method_named_like_the_api_but_not_served_is_refused():
    class Requirements(RequirementsService):
        def teams(self):  # the core serves teams
            raise NotImplementedError

    with pytest.raises(TypeError, match="has a method 'teams' like the API's but does not serve it"):
        routes(Backend, {**AREAS, "requirements": Requirements})
