"""The shortcuts an import takes for speed give exactly what the plain way gives.

Each quick test is checked against the regex (or the generic step) it stands in for, on text built
to hit its edges: Unicode spaces and case, entities, tags, underscores at word edges.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flashprep.core.decks import index as deckindex
from flashprep.core.decks.deck import Card, Deck
from flashprep.core.decks.index import CARD_FIELDS
from flashprep.core.importers import ankihtml
from flashprep.core.importers.ankipackage import read_package
from flashprep.core.importers.source import clean_tags
from flashprep.core.scheduling.scheduler import NEW, Scheduler, SchedulerSettings

from fuzzing import budget

# The regexes the quick tests replaced, as they were.
HAS_MEDIA = re.compile(r"<(?:img|audio|video|source)\b|\[sound:", re.I)
ESCAPABLE_TEXT = re.compile(
    r"[\\*`]|(?<![^\W_])_|_(?![^\W_])|&(?:lt|#0*60|#x0*3c);(?=[A-Za-z/!?])", re.I
)
PLAIN_UNSAFE = re.compile(r"[<&\n\r\t*_`\\]|  |^\s|\s$")
HARD_BREAK = re.compile(r"(?<=\S) {2,}\n(?=[ \t\xa0]*\S)")
TAG_BAD = re.compile(r"[\s\x00-\x1f]+")

_PIECES = st.sampled_from(
    [
        *("<img", "<IMG ", "<imgx", "<Audio>", "<ſource", "<vİdeo", "[sound:", "[sound", "<", ">"),
        *("&lt;", "&LT;b", "&#060;/", "&#x03C;!", "&#x3c", "&", ";", "*", "_", "`", "\\", "a"),
        *("a_b", "_a", "é_", "٣_", "\x00", " ", "  ", "\n", "\t", "\r", "\xa0", "\u3000", "\x85"),
        *("\x1c", "\u2028", "b", "1", "x"),
    ]
)
TEXT = st.lists(_PIECES, max_size=12).map("".join)


@budget(600)
@given(text=TEXT)
def test_quick_field_checks_agree_with_their_regexes(text: str) -> None:
    assert ankihtml._has_media(text) == bool(HAS_MEDIA.search(text))
    assert ankihtml._has_escapable_text(text) == bool(ESCAPABLE_TEXT.search(text))
    assert ankihtml._is_plain(text) == (PLAIN_UNSAFE.search(text) is None)


@budget(600)
@given(text=TEXT)
def test_hard_breaks_are_found_as_with_the_look_behind(text: str) -> None:
    assert ankihtml._HARD_BREAK.sub(ankihtml._hard_break, text) == HARD_BREAK.sub("\\\\\n", text)


@budget(400)
@given(tags=st.lists(st.one_of(TEXT, st.text(max_size=90)), max_size=4))
def test_tags_are_cleaned_as_by_the_regex(tags: list[str]) -> None:
    expected: list[str] = []
    for tag in tags:
        tag = TAG_BAD.sub("_", tag.strip())[:80]
        if tag and tag not in expected:
            expected.append(tag)
    assert clean_tags(tags) == expected


def test_fields_converted_together_are_converted_as_one_by_one() -> None:
    fields = [
        "<b>bold</b> &amp; <i>it</i>",
        "plain text",
        '<img src="a.png"> [sound:b.mp3]',
        "line<br>next",
        "snake_case and 2*3",
        "",
        "<img src='a.png'>",
    ]
    together = ankihtml.convert_fields(fields)
    for field, (text, media) in zip(fields, together, strict=True):
        found: list[str] = []
        assert ankihtml.html_to_markdown(field, found) == text
        assert found == media
    assert together[2][1] == ["a.png", "b.mp3"]


def test_the_deck_index_counts_bytes_not_characters() -> None:
    """Line starts are byte offsets: text beyond ASCII (accents, emoji, CJK) must not shift the
    cards after it."""
    texts = [
        "plain",
        "café — naïve",
        "🙂 emoji",
        "日本語",
        'tab\tand \\ quote "',
        '],["x',
        'a"],["b',
    ]
    deck = Deck(
        id="d",
        name="D",
        category="general",
        cards=[
            Card(id=f"c{i}", front=text, back=text[::-1], tags=[f"t{i}", "é"], hint=text or None)
            for i, text in enumerate(texts)
        ],
    )
    data = deckindex.encode(deck, frozenset(), [1, 2], None)
    decoded = deckindex.decode(data)
    assert decoded is not None
    _key, index = decoded
    for i, card in enumerate(deck.cards):
        assert index.record(i) == deckindex.CardRecord(*(getattr(card, f) for f in CARD_FIELDS))
    lines = data.split(b"\n")[1:-1]
    assert lines == [
        json.dumps(
            [getattr(c, f) for f in CARD_FIELDS], ensure_ascii=False, separators=(",", ":")
        ).encode()
        for c in deck.cards
    ]


def test_a_grade_keeps_the_suspension_and_ends_a_burial() -> None:
    """The state after a grade is built whole: every field but `suspended` comes from the grade."""
    scheduler = Scheduler(SchedulerSettings(seed=5))
    now = datetime(2026, 3, 1, 9, tzinfo=UTC)
    before = NEW._replace(suspended=True, buried_until=date(2026, 3, 2))
    after = scheduler.review("d/c", before, 3, now)
    plain = scheduler.review("d/c", NEW, 3, now)
    assert after.suspended is True
    assert after.buried_until is None
    assert after._replace(suspended=False) == plain


def test_special_fields_show_where_a_template_asks_for_them(tmp_path: Path) -> None:
    """Cards of note types that show no special field are drawn without them; the others still
    show their deck, tags, note type and card name."""
    from anki.collection import Collection, ExportAnkiPackageOptions

    col = Collection(str(tmp_path / "specials.anki2"))
    models = col.models
    specials = models.new("Specials")
    for name in ("Q", "A"):
        models.add_field(specials, models.new_field(name))
    template = models.new_template("Pair")
    template["qfmt"] = "{{Q}} in {{Deck}} / {{Subdeck}} ({{Type}}, {{Card}}, tags {{Tags}})"
    template["afmt"] = "{{FrontSide}}<hr id=answer>{{A}}"
    models.add_template(specials, template)
    models.add(specials)
    deck = col.decks.id("Top::Sub")
    assert deck is not None
    for notetype, fields in ((specials, {"Q": "q", "A": "a"}), (None, {"Front": "f", "Back": "b"})):
        note = col.new_note(notetype or col.models.by_name("Basic"))
        for key, value in fields.items():
            note[key] = value
        note.tags = ["t1"]
        col.add_note(note, deck)
    path = tmp_path / "specials.apkg"
    options = ExportAnkiPackageOptions(
        with_scheduling=False, with_deck_configs=False, with_media=False, legacy=False
    )
    col.export_anki_package(out_path=str(path), options=options, limit=None)
    col.close()
    fronts = sorted(card.front for deck in read_package(path).decks for card in deck.cards)
    assert fronts == ["f", "q in Top::Sub / Sub (Specials, Pair, tags t1)"]


def test_deck_index_lines_are_right_when_the_cut_between_cards_fails(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Cards are encoded together and cut apart; a cut that finds more boundaries than cards
    (here forced) falls back to encoding each card alone."""
    cards = [Card(id=f"c{i}", front=f"q{i}, r", back="a,b", tags=["x"]) for i in range(3)]
    expected = [
        json.dumps([getattr(c, f) for f in CARD_FIELDS], ensure_ascii=False, separators=(",", ":"))
        for c in cards
    ]
    assert deckindex._card_lines(cards) == expected
    monkeypatch.setattr(deckindex, "_CARD_BOUNDARY", re.compile(","))
    assert deckindex._card_lines(cards) == expected
    assert deckindex._card_lines([]) == []


@budget(600)
@given(text=TEXT)
def test_a_field_needs_no_escape_when_its_text_between_tags_needs_none(text: str) -> None:
    """What the quick tests find between a field's tags, they find in the whole field."""
    between = ankihtml._TAG.sub("\x00", text)
    if ankihtml._has_escapable_text(between):
        assert ankihtml._has_escapable_text(text)
