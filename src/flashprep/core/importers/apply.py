"""Apply what the readers found: deck files in `<home>/decks/`, history in the user's log.

Decks are matched by id and cards by card id, so a second import of the same file updates cards
in place (a card's schedule is keyed by its id and is kept) and adds nothing twice; cards are
never deleted. A dry run computes the same summary and writes nothing.

Locks: the shared decks folder is locked here while deck files are written. The caller holds the
user's lock (`open_user(args, write=True)`) when history is written: the TUI holds it all along.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from flashprep.core.decks.ankinotes import AnkiNotes, dumps, notes_path, read_notes, text_digest
from flashprep.core.decks.index import CardRecord, card_record
from flashprep.core.decks.library import (
    CACHE_TEMP_AGE,
    DeckLibrary,
    deck_to_toml,
    overrides_to_toml,
)
from flashprep.core.decks.record import DeckRecord, checked_deck
from flashprep.core.files.fileio import StagedFiles, ensure_dir, remove_stale_temps
from flashprep.core.files.gcpause import gc_paused, leave_to_exit
from flashprep.core.files.lock import DECKS_WAIT_SECONDS, decks_lock
from flashprep.core.files.tomlerrors import DataFileError
from flashprep.core.importers import read_source
from flashprep.core.importers.source import ImportSource, SourceDeck
from flashprep.core.keys import DECK_ID_PATTERN, card_key, split_key
from flashprep.core.stats.historycache import cache_history
from flashprep.core.storage.logimport import HistoryImport
from flashprep.core.storage.reviewlog import LogEntry
from flashprep.core.storage.userstore import UserStore
from flashprep.core.text import lf, one_line

if TYPE_CHECKING:
    from flashprep.core.decks.deck import Deck, DeckOverrides

ImportProgress = Callable[[str, float], None]
"""Told what an import is doing and how far it is (0.0 - 1.0) in that step: a package with a
long history takes seconds in each of reading it, writing the log and replaying the schedule."""


def _step(progress: ImportProgress | None, label: str) -> Callable[[float], None] | None:
    """The progress of one step, or None when nobody listens."""
    if progress is None:
        return None

    def report(done: float) -> None:
        progress(label, done)

    return report


IMPORT_SPLIT_FROM = 50_000
"""An import's replay is split between processes from this many entries (the statistics' own
threshold is higher, see splitreplay.PARALLEL_FROM): it is most of an import's time, and the
import holds less while it replays than the statistics screen (100,000 entries: a peak of
about 120 MiB, the forked child's included). It costs a little more CPU time than one process:
on a machine whose cores are all busy it is no quicker."""

_DECK_ID = re.compile(DECK_ID_PATTERN)
KEPT_FIELDS = ("level", "target_seconds")
"""Card fields no import sets: a value the user gave them survives a re-import."""


class ImportRefused(DataFileError):
    """An import that cannot go ahead as asked (e.g. into a bundled deck)."""


@dataclass
class DeckChange:
    id: str
    name: str
    created: bool
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    renamed_from: str | None = None
    """The id the file proposed, when a bundled deck already has it."""


@dataclass
class ImportSummary:
    sources: list[str] = field(default_factory=list)
    decks: list[DeckChange] = field(default_factory=list)
    reviews_added: int = 0
    reviews_known: int = 0
    history: bool = True
    dry_run: bool = False
    warnings: list[str] = field(default_factory=list)

    @property
    def added(self) -> int:
        return sum(d.added for d in self.decks)

    @property
    def updated(self) -> int:
        return sum(d.updated for d in self.decks)

    @property
    def unchanged(self) -> int:
        return sum(d.unchanged for d in self.decks)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(
            cards_added=self.added, cards_updated=self.updated, cards_unchanged=self.unchanged
        )
        return data

    def lines(self) -> list[str]:
        """The summary as a person reads it (the CLI prints it; the TUI shows it), each line
        cleaned: deck names, file names and warnings (media names) come from the files."""
        out = ["Dry run: nothing was written." if self.dry_run else "Imported."]
        out += [f"  {s}" for s in self.sources]
        created = sum(d.created for d in self.decks)
        out.append(f"Decks: {created} created, {len(self.decks) - created} updated")
        for d in self.decks:
            mark = "+" if d.created else "~"
            line = f"  {mark} {d.id} ({d.name}): {d.added} added, {d.updated} updated, "
            line += f"{d.unchanged} unchanged"
            if d.renamed_from:
                line += f" [id {d.renamed_from!r} is a bundled deck, so the id is {d.id!r}]"
            out.append(line)
        out.append(f"Cards: {self.added} added, {self.updated} updated, {self.unchanged} unchanged")
        if not self.history:
            out.append("Reviews: not imported (--no-history)")
        else:
            known = f" ({self.reviews_known} already there)" if self.reviews_known else ""
            out.append(f"Reviews: {self.reviews_added} imported{known}")
        out += [f"Warning: {w}" for w in self.warnings]
        return [one_line(line) for line in out]


def _target_ids(
    sources: list[ImportSource], bundled: set[str], deck: str | None
) -> dict[tuple[int, str], tuple[str, str | None]]:
    """(source index, proposed id) -> (deck id to write, the proposed id when it was renamed)."""
    out: dict[tuple[int, str], tuple[str, str | None]] = {}
    for index, source in enumerate(sources):
        for sdeck in source.decks:
            if deck is not None:
                out[index, sdeck.id] = (deck, None)
                continue
            target, renamed = sdeck.id, None
            if target in bundled:
                renamed = target
                target = f"{sdeck.id}-imported"
                n = 2
                while target in bundled:
                    target, n = f"{sdeck.id}-imported-{n}", n + 1
            out[index, sdeck.id] = (target, renamed)
    return out


def _merge_card(old: CardRecord, new: CardRecord) -> CardRecord:
    kept = {k: getattr(old, k) for k in KEPT_FIELDS if getattr(new, k) is None}
    return new._replace(**kept) if any(v is not None for v in kept.values()) else new


def _changed(old: CardRecord, new: CardRecord) -> CardRecord | None:
    """`new` as it is to be written over `old`, or None when it is `old` come back through
    Anki: text that renders the same (an export gives HTML, the import Markdown written another
    way) and the same tags in any order (Anki sorts them). Tags in another order only keep
    the old order."""
    if sorted(old.tags) == sorted(new.tags) and old.tags != new.tags:
        new = new._replace(tags=old.tags)
    if new == old:
        return None
    if old._replace(front="", back="", hint=None) != new._replace(front="", back="", hint=None):
        return new
    from flashprep.core.decks.cardhtml import same_card_text  # markdown-it: only needed here

    sides = ("front", "back", "hint")
    same = all(same_card_text(getattr(old, side), getattr(new, side)) for side in sides)
    return None if same else new


class _BundledPart(NamedTuple):
    """Cards of a file that are cards of a bundled deck (flashprep exported them): their
    changes go to the deck's overrides file, their history to the bundled cards."""

    cards: list[CardRecord]
    keys: set[tuple[int, str, str]]
    """(source index, proposed deck id, card id) of each."""


def _split_bundled(
    sources: list[ImportSource], library: DeckLibrary
) -> tuple[list[ImportSource], dict[str, _BundledPart]]:
    """The sources less the cards that are bundled cards (by deck and card id), and those cards
    by bundled deck. Other cards of a deck with a bundled deck's id still go to a deck of their
    own (see _target_ids)."""
    bundled = library.bundled_ids()
    parts: dict[str, _BundledPart] = {}
    ids: dict[str, set[str]] = {}
    out: list[ImportSource] = []
    for index, source in enumerate(sources):
        decks: list[SourceDeck] = []
        for sdeck in source.decks:
            if sdeck.id not in bundled:
                decks.append(sdeck)
                continue
            if sdeck.id not in ids:
                ids[sdeck.id] = {c.id for c in _bundled_deck(library, sdeck.id).cards}
            matched = [c for c in sdeck.cards if c.id in ids[sdeck.id]]
            rest = [c for c in sdeck.cards if c.id not in ids[sdeck.id]]
            if matched:
                part = parts.setdefault(sdeck.id, _BundledPart([], set()))
                part.cards.extend(matched)
                part.keys.update((index, sdeck.id, c.id) for c in matched)
            if rest:
                decks.append(replace(sdeck, cards=rest))
        out.append(replace(source, decks=decks))
    return out, parts


def _split_moved(
    sources: list[ImportSource], decks_dir: Path
) -> tuple[list[ImportSource], dict[str, list[SourceDeck]], dict[tuple[int, str, str], str]]:
    """The sources less the cards from Anki that an earlier import put into another deck than
    the one proposed now (the deck was renamed in Anki, or imported with --deck): those go to
    that deck, as parts of it, so a card is never imported twice. Also returns where each of
    them went, by (source index, proposed deck id, card id)."""
    wanted = {c for source in sources for sdeck in source.decks for c in sdeck.anki.cards}
    if not wanted or not (decks_dir / "anki").is_dir():
        return sources, {}, {}
    placed: dict[str, str] = {}
    for path in sorted((decks_dir / "anki").glob("*.json")):
        if (decks_dir / f"{path.stem}.toml").is_file():
            placed.update(dict.fromkeys(wanted.intersection(read_notes(path).cards), path.stem))
    parts: dict[str, list[SourceDeck]] = {}
    keys: dict[tuple[int, str, str], str] = {}
    out: list[ImportSource] = []
    for index, source in enumerate(sources):
        decks: list[SourceDeck] = []
        for sdeck in source.decks:
            away = [c for c in sdeck.cards if placed.get(c.id, sdeck.id) != sdeck.id]
            if not away:
                decks.append(sdeck)
                continue
            for card in away:
                target = placed[card.id]
                keys[index, sdeck.id, card.id] = target
                part = SourceDeck(target, sdeck.name, sdeck.category, sdeck.description)
                part.cards.append(card)
                origin = sdeck.anki.cards[card.id]
                part.anki.notetypes = sdeck.anki.notetypes
                part.anki.notes[origin.guid] = sdeck.anki.notes[origin.guid]
                part.anki.cards[card.id] = origin
                parts.setdefault(target, []).append(part)
            kept = [c for c in sdeck.cards if placed.get(c.id, sdeck.id) == sdeck.id]
            if kept:
                decks.append(replace(sdeck, cards=kept))
        out.append(replace(source, decks=decks))
    return out, parts, keys


def _bundled_deck(library: DeckLibrary, deck_id: str) -> Deck:
    """A bundled deck as the user sees it: its file with the user's edits (overrides) over it."""
    from flashprep.core.decks.deck import DeckError, load_deck

    path = library.bundled_dir / f"{deck_id}.toml"
    deck = load_deck(path)
    overrides = _overrides(library, deck_id)
    if overrides is not None:
        by_id = {c.id: c for c in overrides.cards}
        deck = deck.model_copy(update={"cards": [by_id.get(c.id, c) for c in deck.cards]})
    if deck.id != deck_id:
        raise DeckError(path, f"holds deck {deck.id!r}")
    return deck


def _overrides(library: DeckLibrary, deck_id: str) -> DeckOverrides | None:
    from flashprep.core.decks.deck import OVERRIDES_FILE

    path = library.home.overrides / f"{deck_id}.toml"
    return OVERRIDES_FILE.read(path) if path.is_file() else None


def _plan_bundled(
    library: DeckLibrary, deck_id: str, part: _BundledPart
) -> tuple[tuple[Path, bytes] | None, DeckChange]:
    """The overrides file with the edits the file brings to a bundled deck's cards."""
    from flashprep.core.decks.deck import Card, DeckOverrides

    deck = _bundled_deck(library, deck_id)
    current = {c.id: c for c in deck.cards}
    change = DeckChange(deck_id, deck.name, False)
    edited: dict[str, Card] = {}
    for new in part.cards:
        old = current[new.id]
        before = card_record(old)
        merged = _changed(
            before, _merge_card(before, _as_written(new))._replace(origin=before.origin)
        )
        if merged is None:
            change.unchanged += 1
            continue
        change.updated += 1
        edited[new.id] = old.model_copy(
            update={
                "front": merged.front,
                "back": merged.back,
                "hint": merged.hint,
                "tags": list(merged.tags),
            }
        )
    if not edited:
        return None, change
    existing = _overrides(library, deck_id) or DeckOverrides(deck=deck_id)
    cards = [edited.pop(c.id, c) for c in existing.cards] + list(edited.values())
    overrides = DeckOverrides(deck=deck_id, cards=cards)
    return (library.home.overrides / f"{deck_id}.toml", overrides_to_toml(overrides)), change


def _existing(path: Path, deck_id: str) -> DeckRecord | None:
    """The deck file already there, validated (pydantic is imported only for it)."""
    if not path.exists():
        return None
    from flashprep.core.decks.deck import DeckError, load_deck

    try:
        existing = load_deck(path)
    except DeckError as exc:
        raise ImportRefused(path, f"{exc.reason}; fix or remove this deck file first") from None
    if existing.id != deck_id:
        raise ImportRefused(path, f"holds deck {existing.id!r}; fix or remove it first")
    cards = [card_record(card) for card in existing.cards]
    return DeckRecord(
        existing.id,
        existing.name,
        existing.category,
        existing.description,
        cards,
        existing.source,
        tuple(existing.retired or ()),
    )


def _as_written(card: CardRecord) -> CardRecord:
    """The card as its deck file will give it back: a TOML parser reads a multi-line string's
    CR LF as LF, so line ends are made LF here (else a second import of a file with Windows line
    ends would find every such card changed, and the index cached at import would differ)."""
    hint = card.hint
    if "\r" not in card.front and "\r" not in card.back and (hint is None or "\r" not in hint):
        return card  # the usual case, told without building anything
    return card._replace(
        front=lf(card.front), back=lf(card.back), hint=None if hint is None else lf(hint)
    )


def _plan_deck(
    deck_id: str, parts: list[SourceDeck], existing: DeckRecord | None, renamed: str | None
) -> tuple[DeckRecord, DeckChange]:
    incoming: dict[str, CardRecord] = {}
    for part in parts:
        for card in part.cards:
            incoming[card.id] = _as_written(card)
    first = parts[0]
    if existing is None:
        name = first.name if len({p.name for p in parts}) == 1 else deck_id
        change = DeckChange(deck_id, name, True, added=len(incoming), renamed_from=renamed)
        deck = checked_deck(
            deck_id, name[:200], first.category, lf(first.description), list(incoming.values())
        )
        return deck, change
    change = DeckChange(deck_id, existing.name, False, renamed_from=renamed)
    cards: list[CardRecord] = []
    for old in existing.cards:
        new = incoming.pop(old.id, None)
        if new is None:
            cards.append(old)
            continue
        merged = _changed(old, _merge_card(old, new)) or old
        if merged is old:
            change.unchanged += 1
        else:
            change.updated += 1
        cards.append(merged)
    change.added = len(incoming)
    cards.extend(incoming.values())
    return replace(existing, cards=cards), change


def _log_entries(
    sources: list[ImportSource],
    targets: dict[tuple[int, str], tuple[str, str | None]],
    placed: dict[tuple[int, str, str], str],
) -> list[LogEntry]:
    """The sources' reviews as log entries, each under the key of the deck its card goes to.
    A reader makes each as the entry it becomes, under the deck the file proposes; only the
    entries of cards that go to another deck (renamed, moved, bundled, --deck) are made again,
    their keys worked out once per card."""
    entries: list[LogEntry] = []
    for index, source in enumerate(sources):
        moves: dict[str, str] = {}
        for key in set(map(_CARD, source.reviews)):
            deck_id, card_id = split_key(key)
            target = placed.get((index, deck_id, card_id)) or targets[index, deck_id][0]
            if target != deck_id:
                moves[key] = card_key(target, card_id)
        if not moves:
            entries += source.reviews  # the usual import: every card in the deck proposed
            continue
        entries += (
            e._replace(card=moves[e.card]) if e.card in moves else e for e in source.reviews
        )
    return entries


_CARD = attrgetter("card")
"""A log entry's card key."""
_ID = attrgetter("id")


def apply_sources(
    sources: list[ImportSource],
    library: DeckLibrary,
    store: UserStore | None,
    deck: str | None = None,
    history: bool = True,
    dry_run: bool = False,
    named_user: bool = False,
    progress: ImportProgress | None = None,
) -> ImportSummary:
    """Write the decks (and the history into `store`'s log); see the module docstring.

    A package flashprep exported with a user's history goes into that user's log only, unless
    the user was named (`named_user`: --user): never into another user's by accident."""
    home = library.home
    summary = ImportSummary(history=history and store is not None, dry_run=dry_run)
    bundled = library.bundled_ids()
    if deck is not None:
        if not _DECK_ID.match(deck):
            raise ImportRefused(
                "--deck", f"{deck!r} is not a deck id (a-z, 0-9, '.', '_', '-'; at most 80)"
            )
        if deck in bundled:
            raise ImportRefused(
                "--deck", f"{deck!r} is a bundled deck; import into a deck id of your own"
            )
    for source in sources:
        owner = source.owner
        foreign = store is not None and owner not in (None, store.user)
        if foreign and summary.history and not named_user:
            assert store is not None
            raise ImportRefused(
                source.path,
                f"holds the review history of user {owner!r}, not {store.user!r}; "
                f"import it with --user {owner} (or name another --user), or with --no-history "
                "(in the import dialog: untick Review history)",
            )
    to_bundled: dict[str, _BundledPart] = {}
    moved: dict[str, list[SourceDeck]] = {}
    placed: dict[tuple[int, str, str], str] = {}
    if deck is None:
        sources, to_bundled = _split_bundled(sources, library)
        sources, moved, placed = _split_moved(sources, home.decks)
    placed.update({key: d for d, part in to_bundled.items() for key in part.keys})
    targets = _target_ids(sources, bundled, deck)
    grouped: dict[str, list[SourceDeck]] = {d: list(parts) for d, parts in moved.items()}
    renamed: dict[str, str | None] = dict.fromkeys(moved)
    for index, source in enumerate(sources):
        summary.sources.append(f"{source.path.name}: {source.kind}")
        summary.warnings += source.warnings
        for sdeck in source.decks:
            target, was = targets[index, sdeck.id]
            grouped.setdefault(target, []).append(sdeck)
            renamed.setdefault(target, was)
    entries = _log_entries(sources, targets, placed)
    plan = None
    if summary.history and store is not None:
        if progress is not None and entries:
            progress("comparing the history with your log", 0.0)
        plan = store.plan_import(entries)
    if plan is not None:
        summary.reviews_added = plan.fresh
        summary.reviews_known = len(set(map(_ID, entries))) - plan.fresh
    lock = decks_lock(home) if not dry_run and (grouped or to_bundled) else None
    if lock is not None:
        lock.acquire(timeout=DECKS_WAIT_SECONDS)
    try:
        writes: list[tuple[Path, DeckRecord]] = []
        notes: list[tuple[Path, bytes]] = []
        for deck_id, parts in grouped.items():
            path = home.decks / f"{deck_id}.toml"
            planned, change = _plan_deck(deck_id, parts, _existing(path, deck_id), renamed[deck_id])
            summary.decks.append(change)
            if change.created or change.added or change.updated:
                writes.append((path, planned))
            kept = _anki_notes(home.decks, deck_id, parts)
            if kept is not None:
                notes.append(kept)
        for deck_id, part in to_bundled.items():
            overrides, change = _plan_bundled(library, deck_id, part)
            summary.decks.append(change)
            if overrides is not None:
                notes.append(overrides)
        if not dry_run:  # every deck was planned (and every existing file read) before any write
            _write_all(writes, library, store, plan, notes, progress)
    finally:
        if lock is not None:
            lock.release()
    return summary


def _anki_notes(
    decks_dir: Path, deck_id: str, parts: list[SourceDeck]
) -> tuple[Path, bytes] | None:
    """The deck's Anki notes file with the notes behind the incoming cards (see
    core.decks.ankinotes), or None when no card came from an Anki note or nothing changed."""
    incoming = AnkiNotes()
    for part in parts:
        if part.anki:
            incoming = incoming.merged(part.anki)
    if not incoming:
        return None
    written = {card.id: _as_written(card) for part in parts for card in part.cards}
    for card_id, origin in incoming.cards.items():
        card = written[card_id]
        digest = text_digest(card.front, card.back, card.hint)
        incoming.cards[card_id] = origin._replace(text=digest)
    path = notes_path(decks_dir, deck_id)
    existing = read_notes(path)  # one that cannot be read stops the import: never overwritten
    merged = existing.merged(incoming)
    return None if merged == existing else (path, dumps(merged))


def _write_all(
    writes: list[tuple[Path, DeckRecord]],
    library: DeckLibrary,
    store: UserStore | None,
    plan: HistoryImport | None,
    notes: list[tuple[Path, bytes]] | None = None,
    progress: ImportProgress | None = None,
) -> None:
    """Replace the deck files and the months of history together, all or nothing.

    Everything is written to temporary files first: a full disk stops the import before any
    file is replaced, and the error names the file (see fileio.StagedFiles).
    """
    history = store is not None and plan is not None and plan.fresh > 0
    staged = StagedFiles()
    try:
        if writes:  # left by a crash in an earlier write (the cache's: by any process)
            remove_stale_temps(library.home.decks)
            remove_stale_temps(library.home.cache / "decks", min_age=CACHE_TEMP_AGE)
        for path, planned in writes:
            staged.stage(path, deck_to_toml(planned), private=False)
        for path, data in notes or []:
            ensure_dir(path.parent, private=False)
            staged.stage(path, data, private=False)
        if history:
            assert store is not None and plan is not None
            store.stage_import(plan, staged, _step(progress, "writing your review log"))
            store.drop_checkpoint()
        staged.commit()
    finally:
        staged.discard()
    for path, planned in writes:
        library.index_written(path, planned)
    if history:
        assert store is not None and plan is not None
        # One replay for both: the statistics' cache (warm after an import) and the schedule
        # (the store replays again only when another computer's log is there too).
        replayed = cache_history(
            store, plan.months, _step(progress, "replaying your schedule"), IMPORT_SPLIT_FROM
        )
        store.finish_import(plan, None, replayed)


def import_files(
    paths: list[Path],
    library: DeckLibrary,
    store: UserStore | None,
    fmt: str = "auto",
    deck: str | None = None,
    history: bool = True,
    dry_run: bool = False,
    named_user: bool = False,
    progress: ImportProgress | None = None,
    keep_to_exit: bool = False,
) -> ImportSummary:
    """Read every file first (any error stops everything), then apply them together;
    `progress` hears each step of a long one (see ImportProgress); `keep_to_exit`: the process
    ends right after (the command line's import), which frees what the files held at once
    (gcpause.leave_to_exit).

    The cyclic garbage collector is paused meanwhile: an import builds tens of thousands of
    objects that all live until it ends, and the collector's passes over them cost a tenth of
    the import (see core.bulkload).
    """
    with gc_paused():
        sources = []
        for path in paths:
            step = _step(progress, f"reading {path.name}")
            if step is not None:
                step(0.0)  # unpacking and reading the cards come first
            sources.append(read_source(path, fmt, library.home.staging, step))
        summary = apply_sources(
            sources, library, store, deck, history, dry_run, named_user, progress
        )
        # Freed while the collector still waits: its first pass after the pause would otherwise
        # walk every object of the files read, only for them to be freed right after.
        if keep_to_exit:
            leave_to_exit(sources)
        del sources
    return summary
