"""The stories linked to a behavioral question, shown beside its model answer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

from flashprep.core.text import clean

if TYPE_CHECKING:  # the story models need pydantic, which the drill's first card does not
    from flashprep.core.interview.stories import Story

LABELS = {"situation": "S", "task": "T", "action": "A", "result": "R"}


def story_text(stories: list[Story], header: bool = True, keys: bool = True) -> Text:
    """The stories as plain styled text (story text is user data: never markup). The header
    names the keys that hide and link stories only with `keys` (the drill has them, the mock
    round does not)."""
    out = Text()
    if header and not stories:  # one line, below the answer: no empty box beside it
        out.append("No story linked to this question yet", style="italic")
        if keys:
            out.append(" · l links one · t hides this", style="dim")
        return out
    if header:
        out.append("Your stories", style="bold")
        out.append(" · t hides · l links\n" if keys else "\n", style="dim")
    for index, story in enumerate(stories):
        out.append("\n" if header or index else "")
        out.append("▸ " + clean(story.title), style="bold")
        if story.competencies:
            out.append("  " + ", ".join(story.competencies), style="italic")
        out.append("\n")
        for name, label in LABELS.items():
            value = clean(getattr(story, name)).strip()
            if value:
                out.append(f"  {label} ", style="bold")
                out.append(value.replace("\n", "\n    ") + "\n")
        for name in ("metrics", "lessons"):
            value = clean(getattr(story, name)).strip()
            if value:
                out.append(f"  {name.capitalize()} ", style="bold")
                out.append(value.replace("\n", "\n    ") + "\n")
    return out


class StoryPanel(Static):
    """A box of linked stories; hidden unless the screen shows it."""

    def show_stories(self, stories: list[Story], keys: bool = True) -> None:
        self.update(story_text(stories, keys=keys))
