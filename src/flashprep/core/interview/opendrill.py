"""Opening a drill of some decks, with today's interview plan when the user has an interview date.

Apart from the plan (interview/plan.py) on purpose: a drill opened from the command line starts
here, and the plan's module, with its simulation and readiness, is about 2% of the instructions
to a drill's first frame. It is imported only for a user who has an interview date.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flashprep.core.study.drill import Drill

if TYPE_CHECKING:
    from flashprep.core.decks.library import DeckLibrary
    from flashprep.core.storage.userstore import UserStore
    from flashprep.core.study.customstudy import DrillOptions


def open_drill(
    library: DeckLibrary,
    store: UserStore,
    deck_ids: list[str] | None = None,
    options: DrillOptions | None = None,
) -> Drill:
    """A drill of some decks, with today's interview plan when the user has an interview date
    (not for custom study: review ahead and practice leave the plan out)."""
    custom = options is not None and options.custom
    if custom or store.settings.interview is None:
        return Drill(library, store, deck_ids, options=options)
    from flashprep.core.interview.plan import today_plan  # see the module's docstring

    return Drill(library, store, deck_ids, plan=today_plan(library, store), options=options)
