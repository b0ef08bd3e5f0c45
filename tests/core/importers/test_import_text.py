"""Anki text exports, CSV and TSV: Anki's headers, quoting, detection, encodings, bad files."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flashprep.core.decks.deck import Card
from flashprep.core.files.tomlerrors import DataFileError
from flashprep.core.importers import read_source
from flashprep.core.importers.delimited import read_delimited
from flashprep.core.importers.source import ImportSource, card_id_for_guid

DATA = Path(__file__).parents[2] / "data" / "anki"


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def cards(source: ImportSource) -> list[Card]:
    return [card for deck in source.decks for card in deck.cards]


def pairs(source: ImportSource) -> list[tuple[str, str]]:
    return [(c.front, c.back) for c in cards(source)]


def test_anki_note_export_with_headers() -> None:
    source = read_source(DATA / "notes-export.txt")
    assert source.kind == "Anki text"
    assert {(d.id, d.name, len(d.cards)) for d in source.decks} == {
        ("interview-behavioral", "Interview::Behavioral", 4),
        ("interview-technical", "Interview::Technical", 4),
    }
    first = source.decks[0].cards[0]
    assert first.front == "Tell me about a time you **disagreed** with your manager."
    assert first.back == (
        "Use *STAR*: Situation, Task, Action, Result.\\\nShow respect, data, and the outcome."
    )
    assert first.tags == ["behavioral", "star"]
    assert first.id == card_id_for_guid("N().`yW)&(", 0)
    assert source.warnings == []


def test_text_export_and_package_give_the_same_card_ids() -> None:
    text = read_source(DATA / "notes-export.txt")
    package = read_source(DATA / "small-modern.apkg")
    assert {c.id for c in cards(text)} == {c.id for c in cards(package)}


def test_no_headers_means_front_back_tags(tmp_path: Path) -> None:
    path = write(tmp_path, "plain.csv", "What is DNS?,Names to addresses,networking dns\nQ2,A2\n")
    source = read_delimited(path, "csv")
    assert [(c.front, c.back, c.tags) for c in cards(source)] == [
        ("What is DNS?", "Names to addresses", ["networking", "dns"]),
        ("Q2", "A2", []),
    ]
    assert source.decks[0].id == "plain"


def test_a_first_row_of_column_names_is_recognised(tmp_path: Path) -> None:
    path = write(tmp_path, "named.csv", "Tags,Answer,Question,Hint\nt1,A,Q,think\n")
    (card,) = cards(read_delimited(path, "csv"))
    assert (card.front, card.back, card.tags, card.hint) == ("Q", "A", ["t1"], "think")


def test_quoted_fields_with_separators_quotes_and_line_breaks(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "quoted.csv",
        'Front,Back\n"Why, exactly?","He said ""no"".\nThen left."\n"# not a comment",x\n',
    )
    assert pairs(read_delimited(path, "csv")) == [
        ("Why, exactly?", 'He said "no".\nThen left.'),
        ("# not a comment", "x"),
    ]


def test_comments_anywhere_and_a_legacy_tags_line(tmp_path: Path) -> None:
    path = write(
        tmp_path, "c.txt", "tags:imported old\n#separator:tab\nq1\ta1\n# a comment\nq2\ta2\n"
    )
    source = read_delimited(path, "txt")
    assert pairs(source) == [("q1", "a1"), ("q2", "a2")]
    assert all(c.tags == ["imported", "old"] for c in cards(source))


@pytest.mark.parametrize(
    ("header", "row"),
    [
        ("#separator:Semicolon", "q;a"),
        ("#separator:semicolon", "q;a"),
        ("#separator:Pipe", "q|a"),
        ("#separator:Colon", "q:a"),
        ("#separator:Space", "q a"),
        ("#separator:Tab", "q\ta"),
        ("#separator:,,,,", "q,a"),
        ("#separator:;", "q;a"),
    ],
)
def test_separator_header(tmp_path: Path, header: str, row: str) -> None:
    path = write(tmp_path, "s.txt", f"{header}\n{row}\n")
    assert pairs(read_delimited(path, "txt")) == [("q", "a")]


@pytest.mark.parametrize(
    ("name", "kind", "text", "expected"),
    [
        ("t.txt", "txt", "q\ta,b\n", [("q", "a,b")]),
        ("p.txt", "txt", "q|a;b\n", [("q", "a;b")]),
        (
            "c.csv",
            "csv",
            "What is 2:1?,a ratio\nq2,a2\n",
            [("What is 2:1?", "a ratio"), ("q2", "a2")],
        ),
        ("s.csv", "csv", "q;a, with comma\nq2;a2\n", [("q", "a, with comma"), ("q2", "a2")]),
        ("t.tsv", "tsv", "q, r\ta\n", [("q, r", "a")]),
    ],
)
def test_separator_detection(
    tmp_path: Path, name: str, kind: str, text: str, expected: list[tuple[str, str]]
) -> None:
    assert pairs(read_delimited(write(tmp_path, name, text), kind)) == expected


def test_html_header_and_detection(tmp_path: Path) -> None:
    html = write(tmp_path, "h.txt", "#separator:tab\n#html:true\n<b>q</b>\ta &amp; b<br>c\n")
    assert pairs(read_delimited(html, "txt")) == [("**q**", "a & b\\\nc")]
    text = write(tmp_path, "t.txt", "#separator:tab\n#html:false\n**q**\t`a < b`\n")
    assert pairs(read_delimited(text, "txt")) == [("**q**", "`a < b`")]
    guessed = write(tmp_path, "g.csv", "<i>q</i>,plain\n")
    assert pairs(read_delimited(guessed, "csv")) == [("*q*", "plain")]


def test_deck_notetype_and_tags_headers(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "n.txt",
        "#separator:tab\n#html:false\n#notetype:Basic (and reversed card)\n"
        "#deck:Interview::Networking\n#tags:net\nTCP\tReliable stream\n",
    )
    source = read_delimited(path, "txt")
    assert [(d.id, d.name) for d in source.decks] == [
        ("interview-networking", "Interview::Networking")
    ]
    assert pairs(source) == [("TCP", "Reliable stream"), ("Reliable stream", "TCP")]
    assert all(c.tags == ["net"] for c in cards(source))


def test_cloze_rows_make_a_card_per_number(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "cloze.txt",
        "#separator:tab\n#html:false\n#notetype:Cloze\n"
        "{{c1::Paris}} is the capital of {{c2::France::a country}}.\tGeography\n",
    )
    assert pairs(read_delimited(path, "txt")) == [
        ("[...] is the capital of France.", "**Paris** is the capital of France.\n\nGeography"),
        (
            "Paris is the capital of [a country].",
            "Paris is the capital of **France**.\n\nGeography",
        ),
    ]


def test_column_headers_for_each_role(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "cols.txt",
        "#separator:tab\n#html:false\n#guid column:1\n#notetype column:2\n#deck column:3\n"
        "#tags column:6\n"
        "g1\tBasic\tA::B\tq1\ta1\tx y\n"
        "g2\tCloze\tA::C\t{{c1::one}} two\textra\tz\n",
    )
    source = read_delimited(path, "txt")
    assert {(d.id, len(d.cards)) for d in source.decks} == {("a-b", 1), ("a-c", 1)}
    by_id = {c.id: c for c in cards(source)}
    assert set(by_id) == {card_id_for_guid("g1", 0), card_id_for_guid("g2", 0)}
    assert by_id[card_id_for_guid("g1", 0)].tags == ["x", "y"]
    assert by_id[card_id_for_guid("g2", 0)].front == "[...] two"


def test_columns_header_maps_by_name(tmp_path: Path) -> None:
    path = write(
        tmp_path, "c.txt", "#separator:Pipe\n#columns:Back|Front|Hint\nanswer|question|hint\n"
    )
    (card,) = cards(read_delimited(path, "txt"))
    assert (card.front, card.back, card.hint) == ("question", "answer", "hint")


def test_utf8_bom_is_dropped(tmp_path: Path) -> None:
    path = write(tmp_path, "bom.csv", b"\xef\xbb\xbfFront,Back\nq\xc3\xa9,a\n")
    assert pairs(read_delimited(path, "csv")) == [("qé", "a")]


def test_rows_without_a_front_are_skipped_and_said(tmp_path: Path) -> None:
    path = write(tmp_path, "e.csv", "q,a\n,no front\nq2,\n")
    source = read_delimited(path, "csv")
    assert pairs(source) == [("q", "a"), ("q2", "*(empty)*")]
    assert source.warnings == [
        "e.csv: line 2: the first field is empty; skipped",
        "e.csv: line 3: no answer; shown as *(empty)*",
    ]


def test_the_same_front_twice_keeps_the_later_row(tmp_path: Path) -> None:
    source = read_delimited(write(tmp_path, "d.csv", "q,a\nq,b\n"), "csv")
    assert pairs(source) == [("q", "b")]
    assert "line 2: the same card as line 1" in source.warnings[0]


def test_an_empty_file_is_zero_cards(tmp_path: Path) -> None:
    for text in ("", "\n\n  \n"):
        source = read_delimited(write(tmp_path, "empty.csv", text), "csv")
        assert cards(source) == []
        assert source.warnings == []


@pytest.mark.parametrize(
    "text", ["#separator:tab\n#html:true\n", "Front,Back\n", "#separator:tab\n# only a comment\n"]
)
def test_headers_without_rows_are_refused(tmp_path: Path, text: str) -> None:
    with pytest.raises(DataFileError, match="no rows to import: the file holds only headers"):
        read_delimited(write(tmp_path, "h.csv", text), "csv")


def test_invalid_utf8_names_the_line(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match=r"h.csv: line 3: not valid UTF-8"):
        read_delimited(write(tmp_path, "h.csv", b"a,b\nc,d\ne,\xff\n"), "csv")


def test_binary_junk_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="binary data, not a text file"):
        read_delimited(write(tmp_path, "j.csv", b"\x89PNG\r\n\x1a\n\x00\x00"), "csv")


def test_bad_header_values(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match=r"line 2: #deck column must be a column number"):
        read_delimited(write(tmp_path, "b.txt", "#separator:tab\n#deck column:x\nq\ta\n"), "txt")
    with pytest.raises(DataFileError, match=r"line 1: #html must be true or false"):
        read_delimited(write(tmp_path, "b.txt", "#html:maybe\nq\ta\n"), "txt")


# --- property: whatever a CSV writer writes, the reader gets back -------------------------------

_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="<&"),
    min_size=1,
    max_size=40,
).filter(lambda s: s.strip() == s and s.strip() != "" and not s.startswith(("#", "tags:")))
_MULTILINE = st.lists(_TEXT, min_size=1, max_size=3).map("\n".join)


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(st.tuples(_TEXT, _MULTILINE), min_size=1, max_size=6),
    separator=st.sampled_from([",", ";", "\t", "|"]),
    bom=st.booleans(),
)
def test_property_csv_round_trip(
    tmp_path_factory: pytest.TempPathFactory,
    rows: list[tuple[str, str]],
    separator: str,
    bom: bool,
) -> None:
    out = io.StringIO()
    out.write(f"#separator:{separator}\n#html:false\n")
    csv.writer(out, delimiter=separator, lineterminator="\n").writerows(rows)
    path = tmp_path_factory.mktemp("prop") / "p.txt"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode())
    expected: dict[str, str] = {}
    for front, back in rows:
        expected.pop(front, None)
        expected[front] = back
    assert pairs(read_delimited(path, "txt")) == list(expected.items())
