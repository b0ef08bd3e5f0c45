"""The bundled decks: valid, unique, complete, no near-duplicate questions across decks."""

from __future__ import annotations

import ast
import itertools
import re
from pathlib import Path

import pytest

from flashprep.core.decks.deck import Deck, load_deck
from flashprep.core.paths import bundled_decks_dir

DECKS = sorted(bundled_decks_dir().glob("*.toml"))
STOP = set(
    [
        "a",
        "an",
        "the",
        "of",
        "to",
        "in",
        "and",
        "or",
        "is",
        "what",
        "how",
        "why",
        "when",
        "do",
        "you",
        "your",
        "does",
        "it",
        "for",
        "on",
        "with",
        "be",
        "are",
        "would",
        "can",
        "that",
        "this",
    ]
)


def words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in STOP}


@pytest.fixture(scope="module")
def decks() -> list[Deck]:
    return [load_deck(path) for path in DECKS]


def test_every_bundled_deck_is_valid_and_named_after_its_id(decks: list[Deck]) -> None:
    assert [d.id for d in decks] == [p.stem for p in DECKS]


def test_size_and_mix(decks: list[Deck]) -> None:
    assert len(decks) >= 18
    assert sum(len(d.cards) for d in decks) >= 750
    assert sum(len(d.cards) for d in decks if d.category == "behavioral") >= 80
    for deck in decks:
        if deck.category in ("technical", "system-design"):
            assert len(deck.cards) >= 30, deck.id
        levels = {c.level for c in deck.cards}
        assert levels == {"junior", "mid", "senior"}, deck.id


def test_every_card_is_complete(decks: list[Deck]) -> None:
    placeholder = re.compile(r"\b(TODO|TBD|FIXME|lorem ipsum|XXX)\b", re.IGNORECASE)
    for deck in decks:
        for card in deck.cards:
            where = f"{deck.id}/{card.id}"
            assert len(card.back.strip()) >= 80, where
            assert len(card.front) <= 200, where
            assert card.tags and card.level and card.target_seconds, where
            assert not placeholder.search(card.back), where


def test_behavioral_answers_teach_how_to_answer(decks: list[Deck]) -> None:
    for deck in decks:
        if deck.category != "behavioral":
            continue
        for card in deck.cards:
            text = card.back.lower()
            assert "listen" in text, f"{deck.id}/{card.id}: what the interviewer listens for"
            assert "pitfall" in text, f"{deck.id}/{card.id}: pitfalls"


def test_no_duplicate_or_near_duplicate_questions(decks: list[Deck]) -> None:
    cards = [(f"{d.id}/{c.id}", words(c.front)) for d in decks for c in d.cards]
    for (a, wa), (b, wb) in itertools.combinations(cards, 2):
        overlap = len(wa & wb) / max(1, len(wa | wb))
        assert overlap < 0.75, f"{a} and {b} ask nearly the same question"


def test_decks_readme_lists_every_deck_with_its_count(decks: list[Deck]) -> None:
    readme = (Path(__file__).parents[3] / "decks" / "README.md").read_text()
    for deck in decks:
        row = next((line for line in readme.splitlines() if f"`{deck.id}`" in line), "")
        assert f"| {len(deck.cards)} |" in row, f"decks/README.md: row for {deck.id}"


README = Path(__file__).parents[3] / "decks" / "README.md"
DEPTH = "**Depth if asked**"
"""The line that ends an answer's spoken opening (decks/README.md, "How an answer is laid out")."""
WORDS_PER_MINUTE = 150
COMPETENCIES = {
    "motivation",
    "initiative",
    "ambiguity",
    "perseverance",
    "conflict",
    "empathy",
    "growth",
    "communication",
    "leadership",
    "failure",
}


def taxonomy() -> list[str]:
    """The tags listed in decks/README.md between the tag-taxonomy markers."""
    text = README.read_text()
    start = text.index("<!-- tag-taxonomy")
    end = text.index("<!-- end tag-taxonomy -->")
    return re.findall(r"`([^`]+)`", text[start:end])


def opening(back: str) -> str:
    """What a candidate says aloud: the answer up to the `**Depth if asked**` line."""
    lines = back.strip().splitlines()
    return "\n".join(lines[: lines.index(DEPTH)] if DEPTH in lines else lines)


def spoken_words(text: str) -> int:
    return len(re.findall(r"[A-Za-z0-9][A-Za-z0-9'’.+#-]*", text))


def test_spoken_words_counts_words_not_markup() -> None:
    assert spoken_words("- **Big-O is an upper bound** on growth, e.g. O(n^2).") == 11
    assert opening(f"- one\n- two\n\n{DEPTH}\n\nmore words here") == "- one\n- two\n"


def test_the_taxonomy_is_small_and_spelled_once() -> None:
    tags = taxonomy()
    assert 60 <= len(tags) <= 150, len(tags)
    assert len(set(tags)) == len(tags), [t for t in tags if tags.count(t) > 1]
    assert set(tags) >= COMPETENCIES
    for tag in tags:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", tag), tag


def test_every_tag_is_in_the_taxonomy_and_used_on_three_cards(decks: list[Deck]) -> None:
    allowed = set(taxonomy())
    uses: dict[str, int] = dict.fromkeys(allowed, 0)
    for deck in decks:
        for card in deck.cards:
            where = f"{deck.id}/{card.id}"
            unknown = [t for t in card.tags if t not in allowed]
            assert not unknown, f"{where}: tags not in decks/README.md: {unknown}"
            assert deck.id not in card.tags, f"{where}: the deck id is not a tag"
            assert len(set(card.tags)) == len(card.tags), f"{where}: a tag twice"
            if deck.category == "behavioral":
                competencies = COMPETENCIES.intersection(card.tags)
                assert len(competencies) == 1, f"{where}: one competency tag, not {competencies}"
            for tag in card.tags:
                uses[tag] += 1
    rare = sorted(tag for tag, n in uses.items() if n < 3)
    assert not rare, f"tags on fewer than 3 cards: {rare}"


def test_every_answer_opens_with_what_fits_its_time(decks: list[Deck]) -> None:
    too_long = []
    for deck in decks:
        for card in deck.cards:
            where = f"{deck.id}/{card.id}"
            assert card.back.count(DEPTH) <= 1, f"{where}: one depth line at most"
            if DEPTH in card.back:
                assert DEPTH in card.back.splitlines(), f"{where}: {DEPTH} on a line of its own"
            spoken = opening(card.back)
            assert "```" not in spoken, f"{where}: code belongs below {DEPTH}"
            assert not re.search(r"^\s*\|", spoken, re.MULTILINE), f"{where}: table in the opening"
            assert spoken_words(spoken) >= 10, f"{where}: the opening says nothing"
            seconds = card.target_seconds or 60
            if spoken_words(spoken) > seconds * WORDS_PER_MINUTE / 60:
                too_long.append(f"{where} ({spoken_words(spoken)} words in {seconds} s)")
    assert not too_long, f"openings longer than their time: {too_long}"


def test_technical_cards_have_a_one_line_hint(decks: list[Deck]) -> None:
    for deck in decks:
        if deck.category not in ("technical", "system-design"):
            continue
        for card in deck.cards:
            where = f"{deck.id}/{card.id}"
            assert card.hint and card.hint.strip(), f"{where}: no hint"
            assert "\n" not in card.hint.strip() and len(card.hint) <= 160, f"{where}: hint"
            assert card.hint.strip().lower() not in card.back.lower(), (
                f"{where}: hint gives it away"
            )


def test_python_snippets_parse(decks: list[Deck]) -> None:
    fence = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)
    for deck in decks:
        for card in deck.cards:
            for snippet in fence.findall(card.back):
                try:
                    ast.parse(snippet)
                except SyntaxError as exc:
                    raise AssertionError(
                        f"{deck.id}/{card.id}: line {exc.lineno}: {exc.msg}"
                    ) from exc
