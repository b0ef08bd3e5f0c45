"""Changes made outside while flashprep is open: another computer's reviews delivered by a sync
are read again with F5 on the home screen, and by the next drill without a key."""

from __future__ import annotations

from collections.abc import Callable

from flashprep.core.storage.logwrite import entry_to_toml
from flashprep.core.storage.reviewlog import LOG_HEADER, LogEntry, month_file
from flashprep.core.storage.userstore import UserStore
from flashprep.tui.app import FlashprepApp
from flashprep.tui.screens.drill import DrillScreen

from helpers import FakeClock

MakeApp = Callable[..., FlashprepApp]


def synced_from_another_computer(store: UserStore, clock: FakeClock, key: str) -> None:
    """What a sync tool delivers: a review in another computer's log folder."""
    entry = LogEntry("zz-desk-1", clock.now, key, 3)
    folder = store.paths.reviews / "desk-pc-0a1b2c"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / month_file(clock.now)).write_bytes(LOG_HEADER + entry_to_toml(entry))


async def test_f5_reads_reviews_another_computer_synced(
    make_app: MakeApp, store: UserStore, clock: FakeClock
) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.pause()
        synced_from_another_computer(store, clock, "alpha/a1")
        assert store.others_changed() and store.state("alpha/a1").reps == 0
        await pilot.press("f5")
        await pilot.pause()
        fresh = app.session.store
        assert fresh is not store and fresh.state("alpha/a1").reps == 1
        assert not fresh.others_changed()


async def test_a_drill_picks_up_reviews_synced_meanwhile(
    make_app: MakeApp, store: UserStore, clock: FakeClock
) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.pause()
        synced_from_another_computer(store, clock, "alpha/a1")
        await pilot.press("enter")  # drills the highlighted deck
        await pilot.pause()
        assert isinstance(app.screen, DrillScreen)
        drill = app.screen.drill
        assert drill.store is app.session.store and drill.store.state("alpha/a1").reps == 1
        assert drill.current != "alpha/a1"  # graded elsewhere: no longer a new card to show
