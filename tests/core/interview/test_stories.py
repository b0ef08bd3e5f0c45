"""The STAR story bank: its file, links to questions, coverage of competencies."""

from __future__ import annotations

from pathlib import Path

import pytest

from flashprep.core.decks.library import DeckLibrary
from flashprep.core.files.tomlerrors import DataFileError
from flashprep.core.interview.stories import (
    COMPETENCIES,
    Story,
    StoryBank,
    StoryFile,
    coverage,
    load_stories,
    new_story_id,
    save_stories,
    story_from_toml,
    story_to_toml,
)

STORY = Story(
    id="payments",
    title="Led the payments migration",
    situation="Legacy payments [b]monolith[/b].",
    task="Move to the new provider\nwithout downtime.",
    action="Planned a dual-write.",
    result="Zero downtime.",
    metrics="-30% fees",
    lessons="Start with the data.",
    competencies=["proactivity", "perseverance"],
    tags=["payments"],
    questions=["beta/b1"],
)


def test_a_missing_file_is_an_empty_bank(tmp_path: Path) -> None:
    assert load_stories(tmp_path / "stories.toml").stories == []


def test_stories_round_trip_through_their_file(tmp_path: Path) -> None:
    path = tmp_path / "u" / "stories.toml"
    bank = StoryBank(stories=[STORY, Story(id="other", title="Other")])
    save_stories(path, bank)
    text = path.read_text()
    assert text.startswith("# flashprep story bank")
    assert "format = 1" in text and "[[stories]]" in text
    assert load_stories(path) == bank
    assert path.stat().st_mode & 0o077 == 0  # the user's own


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[[stories]]\nid = "a"\ntitle = "A"\nsituaton = "typo"\n', "line 4: story 'a': field"),
        ('[[stories]]\nid = "a"\ntitle = "A"\n\n[[stories]]\nid = "b"\ntitle = " "\n', "line 7"),
        ('[[stories]]\nid = "a"\ntitle = "A"\nquestions = ["nodeck"]\n', "field 'questions.0'"),
        ('[[stories]]\nid = "a"\ntitle = "A"\n[[stories]]\nid = "a"\ntitle = "B"\n', "duplicate"),
        ("format = 2\n", "field 'format'"),
        ("stories = [\n", "TOML syntax error"),
    ],
)
def test_a_bad_file_is_reported_with_its_line_story_and_field(
    tmp_path: Path, body: str, message: str
) -> None:
    path = tmp_path / "stories.toml"
    path.write_text(body)
    with pytest.raises(DataFileError) as err:
        load_stories(path)
    assert str(err.value).startswith(f"{path}: ")
    assert message in str(err.value)
    assert path.read_text() == body  # never rewritten


def test_editing_a_story_as_toml_keeps_its_id() -> None:
    text = story_to_toml(STORY)
    edited = story_from_toml(text.replace("Zero downtime.", "No downtime."), "payments")
    assert edited.result == "No downtime."
    assert edited.questions == STORY.questions
    with pytest.raises(DataFileError, match="cannot change the story id"):
        story_from_toml(text.replace('id = "payments"', 'id = "x"'), "payments")
    with pytest.raises(DataFileError, match=r"field 'competencies\.0'"):
        story_from_toml(text.replace('"proactivity"', '"two words"'), "payments")


def test_links_go_both_ways() -> None:
    bank = StoryBank(stories=[STORY, Story(id="other", title="Other")])
    assert [s.id for s in bank.for_question("beta/b1")] == ["payments"]
    both = bank.set_links("beta/b1", {"payments", "other"})
    assert [s.id for s in both.for_question("beta/b1")] == ["payments", "other"]
    both = both.set_links("beta/b2", {"other"})
    assert both.get("other").questions == ["beta/b1", "beta/b2"]  # type: ignore[union-attr]
    none = both.set_links("beta/b1", set())
    assert none.for_question("beta/b1") == []
    assert none.get("other").questions == ["beta/b2"]  # type: ignore[union-attr]


def test_put_and_remove_keep_the_order() -> None:
    bank = StoryBank(stories=[STORY, Story(id="other", title="Other")])
    changed = bank.put(STORY.model_copy(update={"title": "New title"}))
    assert [s.title for s in changed.stories] == ["New title", "Other"]
    assert [s.id for s in changed.put(Story(id="z", title="Z")).stories] == [
        "payments",
        "other",
        "z",
    ]
    assert [s.id for s in changed.remove("payments").stories] == ["other"]


def test_new_ids_come_from_the_title_and_never_clash() -> None:
    assert new_story_id("Led the Payments migration!", set()) == "led-the-payments-migration"
    assert new_story_id("Payments", {"payments"}) == "payments-2"
    assert new_story_id("Payments", {"payments", "payments-2"}) == "payments-3"
    assert new_story_id("¿¡", set()) == "story"


def test_story_file_rereads_only_when_changed(tmp_path: Path) -> None:
    file = StoryFile(tmp_path)
    assert file.load().stories == []
    file.save(StoryBank(stories=[STORY]))
    assert file.load().stories == [STORY]
    save_stories(file.path, StoryBank())  # changed behind its back
    assert file.load().stories == []


def test_coverage_marks_missing_competencies_and_unlinked_questions(library: DeckLibrary) -> None:
    bank = StoryBank(stories=[STORY])
    grid = coverage(bank, library)
    assert grid.competencies[: len(COMPETENCIES)] == list(COMPETENCIES)
    assert "behavioral" not in grid.competencies
    assert grid.cells[("proactivity", "payments")] == "declared"
    assert grid.cells[("conflict", "payments")] == "linked"  # beta/b1 is tagged conflict
    assert grid.stories_for("motivation") == []
    assert "motivation" in grid.uncovered and "conflict" not in grid.uncovered
    assert grid.unlinked == ["beta/b2"]  # alpha is technical: not a behavioral question
    empty = coverage(StoryBank(), library)
    assert empty.uncovered == empty.competencies
    assert empty.unlinked == ["beta/b1", "beta/b2"]
