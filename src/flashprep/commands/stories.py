"""`flashprep stories`: the user's STAR stories with their questions and competencies."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from flashprep.commands.common import add_common_options, open_user, show, show_json
from flashprep.core.decks.library import DeckLibrary
from flashprep.core.text import one_line
from flashprep.format import clip

COMPETENCIES_WIDTH = 40
"""Longer lists of competencies are cut (with `…`): the titles stay in one column."""

if TYPE_CHECKING:
    from flashprep.core.interview.stories import Story


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "stories",
        help="list your STAR stories, their questions and competencies",
        description="List your STAR stories (edit them in the TUI: `b` on the home screen).",
    )
    parser.add_argument("--json", action="store_true", help="print a JSON list for scripts")
    add_common_options(parser)
    parser.set_defaults(func=run)


def story_json(story: Story, library: DeckLibrary) -> dict[str, Any]:
    from flashprep.core.interview.stories import STAR_FIELDS

    questions = []
    for key in story.questions:
        card = library.card(key)
        questions.append({"card": key, "front": card.front if card is not None else None})
    return {
        "id": story.id,
        "title": story.title,
        **{name: getattr(story, name) for name in STAR_FIELDS},
        "competencies": story.competencies,
        "tags": story.tags,
        "questions": questions,
    }


def run(args: argparse.Namespace) -> int:
    from flashprep.core.interview.stories import StoryFile, coverage

    opened = open_user(args)
    bank = StoryFile(opened.store.folder).load()
    if args.json:
        rows = [story_json(s, opened.library) for s in bank.stories]
        show_json(rows)
        return 0
    if not bank.stories:
        show("No stories yet. Add them in flashprep: `b` on the home screen.")
        return 0
    width = max(len(s.id) for s in bank.stories)
    listed = [one_line(", ".join(s.competencies)) or "-" for s in bank.stories]
    room = min(max(len(c) for c in [*listed, "COMPETENCIES"]), COMPETENCIES_WIDTH)
    show(f"{'ID':<{width}}  {'QUESTIONS':>9}  {'COMPETENCIES':<{room}}  TITLE")
    for story, competencies in zip(bank.stories, listed, strict=True):
        shown = clip(competencies, room)
        show(f"{story.id:<{width}}  {len(story.questions):>9}  {shown:<{room}}  {story.title}")
    grid = coverage(bank, opened.library)
    if grid.uncovered:
        show()
        show(f"Competencies without a story: {', '.join(grid.uncovered)}")
    show(f"Behavioral questions without a story: {len(grid.unlinked)}")
    return 0
