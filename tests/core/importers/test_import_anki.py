"""Anki packages in all three layouts: real files (tests/data/anki) and ones made with Anki."""

from __future__ import annotations

import json
import shutil
import sqlite3
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
import zstandard

from ankibuild import Sample, build_sample
from flashprep.core.decks.deck import Card
from flashprep.core.files.tomlerrors import DataFileError
from flashprep.core.importers import ankipackage, ankizip, read_source
from flashprep.core.importers.ankipackage import read_package
from flashprep.core.importers.source import ImportSource

DATA = Path(__file__).parents[2] / "data" / "anki"
FIXTURE_FRONTS = {
    "Tell me about a time you **disagreed** with your manager.",
    "Describe a project that failed. What did you learn?",
    "Why do you want to work here?",
    "Tell me about a conflict within your team \\<and how you resolved it>.",
    "What is the time complexity of lookup in a Python `dict`?",
    "What does the CAP theorem state?",
    "Difference between a process and a thread?",
    "What is an index in a relational database?",
}


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Sample, dict[str, Path]]:
    return build_sample(tmp_path_factory.mktemp("anki"))


def cards_by_front(source: ImportSource) -> dict[str, Card]:
    return {card.front: card for deck in source.decks for card in deck.cards}


def all_cards(source: ImportSource) -> list[Card]:
    return [card for deck in source.decks for card in deck.cards]


@pytest.mark.parametrize(
    ("name", "layout"),
    [("small-legacy.apkg", "collection.anki21"), ("small-modern.apkg", "collection.anki21b")],
)
def test_real_packages_of_both_current_layouts(name: str, layout: str) -> None:
    source = read_package(DATA / name)
    assert source.kind == f"Anki package ({layout})"
    assert {(d.id, d.name, len(d.cards)) for d in source.decks} == {
        ("interview-behavioral", "Interview::Behavioral", 4),
        ("interview-technical", "Interview::Technical", 4),
    }
    assert set(cards_by_front(source)) == FIXTURE_FRONTS
    card = cards_by_front(source)["Why do you want to work here?"]
    assert card.back == "Tie the company's mission & product to your own experience."
    assert card.tags == ["behavioral", "star"]
    assert card.origin is not None and card.origin.startswith("anki:")
    assert source.reviews == []


def test_the_dummy_collection_of_a_current_package_is_ignored() -> None:
    with zipfile.ZipFile(DATA / "small-modern.apkg") as archive:
        assert "collection.anki2" in archive.namelist()
    fronts = " ".join(cards_by_front(read_package(DATA / "small-modern.apkg")))
    assert "update to the latest Anki" not in fronts


def test_both_layouts_give_the_same_cards_and_ids() -> None:
    legacy = read_package(DATA / "small-legacy.apkg")
    modern = read_package(DATA / "small-modern.apkg")
    assert all_cards(legacy) == all_cards(modern)


@pytest.mark.parametrize("layout", ["anki21b", "anki21", "anki2"])
def test_every_anki_card_becomes_one_card(
    built: tuple[Sample, dict[str, Path]], layout: str
) -> None:
    sample, paths = built
    source = read_package(paths[layout])
    assert source.kind == f"Anki package (collection.{layout})"
    assert len(all_cards(source)) == sample.cards == 12
    assert len({c.id for c in all_cards(source)}) == sample.cards


def test_a_whole_collection_package(built: tuple[Sample, dict[str, Path]]) -> None:
    sample, paths = built
    source = read_source(paths["colpkg"])
    assert source.kind == "Anki package (collection.anki21b)"
    assert len(all_cards(source)) == sample.cards
    assert all_cards(source) == all_cards(read_package(paths["anki21b"]))


def test_all_layouts_agree(built: tuple[Sample, dict[str, Path]]) -> None:
    _, paths = built
    first, *others = (read_package(paths[k]) for k in ("anki21b", "anki21", "anki2"))
    for other in others:
        assert all_cards(other) == all_cards(first)
        assert other.reviews == first.reviews


def test_note_types_become_the_right_cards(built: tuple[Sample, dict[str, Path]]) -> None:
    sample, paths = built
    cards = cards_by_front(read_package(paths["anki21b"]))
    gil = "The global interpreter lock: one thread runs Python at a time."
    assert cards["GIL"].back == gil
    assert cards[gil].back == "GIL"  # the reversed card
    assert "Atomicity, consistency, isolation, durability" in cards  # optional reverse: on
    assert "Basically available, soft state, eventual consistency" not in cards  # off
    assert cards["BASE"].back.startswith("Basically available")
    assert cards["Default HTTPS port?"].back == "443"  # type in the answer: a basic card
    guid = sample.guids["reversed-gil"]
    assert cards["GIL"].origin == f"anki:{guid}#0"
    assert cards[gil].origin == f"anki:{guid}#1"


def test_cloze_numbers_make_one_card_each(built: tuple[Sample, dict[str, Path]]) -> None:
    _, paths = built
    cards = cards_by_front(read_package(paths["anki21b"]))
    c1 = cards["The [...] theorem: under a partition choose consistency or availability."]
    c2 = cards["The CAP theorem: under a [network event] choose consistency or availability."]
    assert c1.back.startswith("The **CAP** theorem")
    assert c2.back.startswith("The CAP theorem: under a **partition**")
    assert c1.back.endswith("Brewer, 2000") and c2.back.endswith("Brewer, 2000")
    assert c1.id.endswith("-0") and c2.id.endswith("-1")
    assert c1.id.rsplit("-", 1)[0] == c2.id.rsplit("-", 1)[0]


def test_html_becomes_readable_markdown(built: tuple[Sample, dict[str, Path]]) -> None:
    _, paths = built
    card = cards_by_front(read_package(paths["anki21b"]))[
        "Tell me about a time you **disagreed** with your manager."
    ]
    assert card.back == (
        "Use *STAR*:\n\n- Situation\n- Task & Action\n\nResult\\\nand what you learned"
    )
    assert "alert" not in card.back and "color" not in card.back


def test_media_become_placeholders_and_a_warning(built: tuple[Sample, dict[str, Path]]) -> None:
    _, paths = built
    source = read_package(paths["anki21b"])
    card = cards_by_front(source)["Draw the architecture: [image: diagram.png]"]
    assert card.back == "Listen: [audio: answer.mp3]\n\n```\nload balancer -> app\n```"
    assert len(source.warnings) == 1
    assert "2 media files cannot be shown" in source.warnings[0]
    assert "answer.mp3, diagram.png" in source.warnings[0]


def test_unicode_deck_names_keep_their_name(built: tuple[Sample, dict[str, Path]]) -> None:
    _, paths = built
    decks = {d.name: d for d in read_package(paths["anki21b"]).decks}
    french = decks["Entretiens::Comportement — général"]
    assert french.id == "entretiens-comportement-general"
    assert french.cards[0].front == "Parlez-moi d’un échec."
    japanese = decks["面接"]
    assert japanese.id.startswith("deck-")
    assert japanese.cards[0].back == "一分で。"


def test_review_log_rules(built: tuple[Sample, dict[str, Path]]) -> None:
    sample, paths = built
    source = read_package(paths["anki21b"])
    reviewed = sample.card_ids["basic-star#0"]
    history = [r for r in source.reviews if r.action != "suspend"]
    assert [(r.action, r.rating) for r in history] == [
        ("grade", 3),
        ("grade", 3),
        ("grade", 3),
        ("forget", None),
        ("grade", 1),
        ("grade", 3),
        ("grade", 2),
    ]
    kept = [row for row in sample.revlog if row[4] not in (3, 5)]
    assert [r.id for r in history] == [f"anki-{row[0]}-{reviewed}" for row in kept]
    assert [int(r.at.timestamp() * 1000) for r in history] == [row[0] for row in kept]
    assert all(r.ms == 6000 for r in history if r.action == "grade")
    suspended = [r for r in source.reviews if r.action == "suspend"]
    assert len(suspended) == 1
    base = cards_by_front(source)["BASE"]
    assert suspended[0].card == f"interview-technical/{base.id}"


def test_old_scheduler_learning_buttons_are_mapped() -> None:
    row = (1, 1, 2, 2500, 6000, 0)
    assert ankipackage._review(row, sched_ver=1) == ("grade", 3)
    assert ankipackage._review(row, sched_ver=2) == ("grade", 2)
    assert ankipackage._review((1, 1, 3, 2500, 0, 1), sched_ver=1) == ("grade", 3)


def test_detects_a_package_without_its_extension(tmp_path: Path) -> None:
    target = tmp_path / "download"
    shutil.copy(DATA / "small-modern.apkg", target)
    assert read_source(target).kind == "Anki package (collection.anki21b)"


# --- broken packages ----------------------------------------------------------------------------


def rezip(source: Path, target: Path, change: Callable[[str, bytes], bytes | None]) -> Path:
    """Copy a package, passing each entry through `change` (None drops it)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            data = change(info.filename, old.read(info))
            if data is not None:
                new.writestr(info.filename, data)
    return target


def refused(path: Path) -> str:
    with pytest.raises(DataFileError) as caught:
        read_package(path)
    message = str(caught.value)
    assert message.startswith(str(path))
    assert "\n" not in message
    return message


def test_not_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "junk.apkg"
    path.write_bytes(b"\x00\x01binary junk" * 100)
    assert "not an Anki package" in refused(path)


def test_truncated_zip(tmp_path: Path) -> None:
    data = (DATA / "small-modern.apkg").read_bytes()
    path = tmp_path / "cut.apkg"
    path.write_bytes(data[: len(data) // 2])
    assert "not an Anki package" in refused(path)


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.apkg"
    path.write_bytes(b"")
    assert "not an Anki package" in refused(path)


def test_no_collection_inside(tmp_path: Path) -> None:
    path = tmp_path / "nothing.apkg"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("media", "{}")
    assert "no Anki collection inside" in refused(path)


@pytest.mark.parametrize("version", [0, 4, 9])
def test_meta_version_too_new(tmp_path: Path, version: int) -> None:
    path = rezip(
        DATA / "small-modern.apkg",
        tmp_path / "new.apkg",
        lambda name, data: bytes([8, version]) if name == "meta" else data,
    )
    assert f"newer Anki (package version {version})" in refused(path)


def test_damaged_zstd_collection(tmp_path: Path) -> None:
    path = rezip(
        DATA / "small-modern.apkg",
        tmp_path / "damaged.apkg",
        lambda name, data: data[:40] if name == "collection.anki21b" else data,
    )
    message = refused(path)
    assert "damaged" in message or "not a readable Anki collection" in message


def test_collection_that_is_not_sqlite(tmp_path: Path) -> None:
    path = rezip(
        DATA / "small-legacy.apkg",
        tmp_path / "garbage.apkg",
        lambda name, data: b"not sqlite" * 500 if name == "collection.anki21" else data,
    )
    assert "not a readable Anki collection" in refused(path)


def test_zip_bomb_is_capped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ankizip, "MAX_COLLECTION_BYTES", 1 << 20)
    bomb = zstandard.ZstdCompressor().compress(b"\x00" * (4 << 20))
    path = rezip(
        DATA / "small-modern.apkg",
        tmp_path / "bomb.apkg",
        lambda name, data: bomb if name == "collection.anki21b" else data,
    )
    assert "unpacks to more than 1 MiB" in refused(path)


@pytest.mark.parametrize("name", ["../evil.png", "sub/dir.png", "..", "a\\b.png"])
def test_unsafe_media_names(tmp_path: Path, name: str) -> None:
    media = json.dumps({"0": name}).encode()
    path = rezip(
        DATA / "small-legacy.apkg",
        tmp_path / "media.apkg",
        lambda entry, data: media if entry == "media" else data,
    )
    assert "unsafe file name" in refused(path)


def test_unsafe_media_name_in_a_current_package(tmp_path: Path) -> None:
    entry = b"\x0a" + bytes([len(b"../x.png")]) + b"../x.png"
    listing = b"\x0a" + bytes([len(entry)]) + entry
    packed = zstandard.ZstdCompressor().compress(listing)
    path = rezip(
        DATA / "small-modern.apkg",
        tmp_path / "media.apkg",
        lambda name, data: packed if name == "media" else data,
    )
    assert "media entry '0': unsafe file name '../x.png'" in refused(path)


def test_unknown_note_type(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    with zipfile.ZipFile(DATA / "small-legacy.apkg") as archive:
        (work / "c.db").write_bytes(archive.read("collection.anki21"))
    with sqlite3.connect(work / "c.db") as conn:
        conn.execute("UPDATE notes SET mid = 42 WHERE id = (SELECT min(id) FROM notes)")
    conn.close()
    changed = (work / "c.db").read_bytes()
    path = rezip(
        DATA / "small-legacy.apkg",
        tmp_path / "unknown.apkg",
        lambda name, data: changed if name == "collection.anki21" else data,
    )
    assert "unknown note type 42" in refused(path)


def test_truncated_meta(tmp_path: Path) -> None:
    path = rezip(
        DATA / "small-modern.apkg",
        tmp_path / "meta.apkg",
        lambda name, data: b"\x08" if name == "meta" else data,
    )
    assert "entry 'meta' is damaged" in refused(path)


def test_media_map_not_json(tmp_path: Path) -> None:
    path = rezip(
        DATA / "small-legacy.apkg",
        tmp_path / "media.apkg",
        lambda name, data: b"{not json" if name == "media" else data,
    )
    assert "entry 'media' is not valid JSON" in refused(path)
