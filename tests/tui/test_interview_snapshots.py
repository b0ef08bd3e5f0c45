"""One picture of the layout the interview work adds: stories beside a behavioral answer."""

from __future__ import annotations

from collections.abc import Callable

from flashprep.core.interview.stories import Story, StoryBank, save_stories
from flashprep.core.storage.userstore import UserStore
from flashprep.tui.app import FlashprepApp

MakeApp = Callable[..., FlashprepApp]


def test_drill_stories_beside_the_answer(
    snap_compare: Callable[..., bool], make_app: MakeApp, store: UserStore
) -> None:
    story = Story(
        id="migration",
        title="The payments migration",
        situation="A legacy monolith took every payment.",
        task="Move to the new provider without downtime.",
        action="Dual writes, a shadow period, then a cutover.",
        result="No downtime; fees 30 % lower.",
        competencies=["perseverance", "conflict"],
        questions=["beta/b1"],
    )
    save_stories(store.folder / "stories.toml", StoryBank(stories=[story]))
    app = make_app("drill", ["beta"])
    assert snap_compare(app, press=["space"], terminal_size=(120, 28))  # beside from 120
