"""A few pictures of the main screens, to catch layout regressions (Textual pinned: 8.2.8)."""

from __future__ import annotations

from collections.abc import Callable

from flashprep.tui.app import FlashprepApp

MakeApp = Callable[..., FlashprepApp]
SIZE = (90, 28)


def test_home(snap_compare: Callable[..., bool], make_app: MakeApp) -> None:
    assert snap_compare(make_app(), terminal_size=SIZE)


def test_drill_question(snap_compare: Callable[..., bool], make_app: MakeApp) -> None:
    assert snap_compare(make_app("drill", ["alpha"]), terminal_size=SIZE)


def test_drill_answer_revealed(snap_compare: Callable[..., bool], make_app: MakeApp) -> None:
    assert snap_compare(make_app("drill", ["alpha"]), press=["down", "space"], terminal_size=SIZE)


def test_drill_summary(snap_compare: Callable[..., bool], make_app: MakeApp) -> None:
    app = make_app("drill", ["beta"])
    assert snap_compare(app, press=["space", "4", "space", "4"], terminal_size=SIZE)
