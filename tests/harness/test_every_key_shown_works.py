"""Every key a screen's key bar shows does something for the user who sees it: pressed, the
screen changes, a dialog opens, a notice says something, or the screen loads its data again.
A key that does nothing for this user must not be shown to them."""
from __future__ import annotations

import pytest
from textual.screen import ModalScreen

from .world import VISIT_IDS, VISITS, app_for, run, settled, shown_keys, state, visit

#: Keys whose effect is leaving the app: shown, and not pressed here.
NOT_PRESSED = {"ctrl+q"}


@pytest.mark.parametrize(("user", "screen"), VISITS, ids=VISIT_IDS)
def test_every_key_in_the_bar_does_something(demo_db, clock, user, screen):
    async def scenario():
        app = app_for(demo_db, clock, user)
        said: list[str] = []
        notify = app.notify

        def noting(message, *args, **kwargs):
            said.append(str(message))
            return notify(message, *args, **kwargs)

        app.notify = noting  # type: ignore[method-assign]  # the real notice, and a note of it
        dead: list[str] = []
        async with app.run_test(size=(120, 40)) as pilot:
            await settled(pilot)
            await visit(pilot, screen)
            home = app.screen
            keys = shown_keys(app)
            assert keys, f"{screen.name}: no key bar"
            for key, label, _enabled in keys:
                if key in NOT_PRESSED:
                    continue
                if app.screen is not home:  # the last key went elsewhere: back to this screen
                    await visit(pilot, screen)
                    home = app.screen
                before_screen, before_text = state(app)
                loads: list[int] = []
                reload = before_screen.reload if hasattr(before_screen, "reload") else None
                if reload is not None:
                    def counting(reload=reload, loads=loads):
                        loads.append(1)
                        reload()
                    before_screen.reload = counting
                said.clear()
                await pilot.press(key)
                await settled(pilot)
                after_screen, after_text = state(app)
                if reload is not None:
                    del before_screen.reload
                acted = (after_screen is not before_screen or after_text != before_text or said or loads
                         or isinstance(app.screen, ModalScreen))
                if not acted:
                    dead.append(label)
        return dead

    dead = run(scenario())
    assert not dead, f"{user.name} on {screen.name}: these keys in the bar do nothing: {dead}"
