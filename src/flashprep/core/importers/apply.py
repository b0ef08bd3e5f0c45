"""Apply what the readers found: deck files in `<home>/decks/`, history in the user's log.

Decks are matched by id and cards by card id, so a second import of the same file updates cards
in place (a card's schedule is keyed by its id and is kept) and adds nothing twice; cards are
never deleted. A dry run computes the same summary and writes nothing.

Locks: the shared decks folder is locked here while deck files are written. The caller holds the
user's lock (`open_user(args, write=True)`) when history is written: the TUI holds it all along.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from flashprep.core.decks.index import CardRecord, card_record
from flashprep.core.decks.library import CACHE_TEMP_AGE, DeckLibrary, deck_to_toml
from flashprep.core.decks.record import DeckRecord, checked_deck
from flashprep.core.files.fileio import StagedFiles, remove_stale_temps
from flashprep.core.files.gcpause import gc_paused
from flashprep.core.files.lock import DECKS_WAIT_SECONDS, decks_lock
from flashprep.core.files.tomlerrors import DataFileError
from flashprep.core.importers import read_source
from flashprep.core.importers.source import ImportSource, SourceDeck
from flashprep.core.keys import DECK_ID_PATTERN, card_key
from flashprep.core.storage.logimport import HistoryImport
from flashprep.core.storage.reviewlog import LogEntry
from flashprep.core.storage.userstore import UserStore
from flashprep.core.text import lf, one_line

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
        merged = _merge_card(old, new)
        if merged == old:
            change.unchanged += 1
        else:
            change.updated += 1
        cards.append(merged)
    change.added = len(incoming)
    cards.extend(incoming.values())
    return replace(existing, cards=cards), change


def apply_sources(
    sources: list[ImportSource],
    library: DeckLibrary,
    store: UserStore | None,
    deck: str | None = None,
    history: bool = True,
    dry_run: bool = False,
) -> ImportSummary:
    """Write the decks (and the history into `store`'s log); see the module docstring."""
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
    targets = _target_ids(sources, bundled, deck)
    grouped: dict[str, list[SourceDeck]] = {}
    renamed: dict[str, str | None] = {}
    for index, source in enumerate(sources):
        summary.sources.append(f"{source.path.name}: {source.kind}")
        summary.warnings += source.warnings
        for sdeck in source.decks:
            target, was = targets[index, sdeck.id]
            grouped.setdefault(target, []).append(sdeck)
            renamed.setdefault(target, was)
    entries = [
        LogEntry(
            r.entry_id,
            r.at,
            card_key(targets[index, r.deck_id][0], r.card_id),
            r.rating,
            r.action,
            r.ms,
            "import",
        )
        for index, source in enumerate(sources)
        for r in source.reviews
    ]
    plan = store.plan_import(entries) if summary.history and store is not None else None
    if plan is not None:
        summary.reviews_added = plan.fresh
        summary.reviews_known = len({e.id for e in entries}) - plan.fresh
    lock = decks_lock(home) if not dry_run and grouped else None
    if lock is not None:
        lock.acquire(timeout=DECKS_WAIT_SECONDS)
    try:
        writes: list[tuple[Path, DeckRecord]] = []
        for deck_id, parts in grouped.items():
            path = home.decks / f"{deck_id}.toml"
            planned, change = _plan_deck(deck_id, parts, _existing(path, deck_id), renamed[deck_id])
            summary.decks.append(change)
            if change.created or change.added or change.updated:
                writes.append((path, planned))
        if not dry_run:  # every deck was planned (and every existing file read) before any write
            _write_all(writes, library, store, plan)
    finally:
        if lock is not None:
            lock.release()
    return summary


def _write_all(
    writes: list[tuple[Path, DeckRecord]],
    library: DeckLibrary,
    store: UserStore | None,
    plan: HistoryImport | None,
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
        if history:
            assert store is not None and plan is not None
            store.stage_import(plan, staged)
            store.drop_checkpoint()
        staged.commit()
    finally:
        staged.discard()
    for path, planned in writes:
        library.index_written(path, planned)
    if history:
        assert store is not None and plan is not None
        store.finish_import(plan)


def import_files(
    paths: list[Path],
    library: DeckLibrary,
    store: UserStore | None,
    fmt: str = "auto",
    deck: str | None = None,
    history: bool = True,
    dry_run: bool = False,
) -> ImportSummary:
    """Read every file first (any error stops everything), then apply them together.

    The cyclic garbage collector is paused meanwhile: an import builds tens of thousands of
    objects that all live until it ends, and the collector's passes over them cost a tenth of
    the import (see core.bulkload).
    """
    with gc_paused():
        sources = [read_source(path, fmt, library.home.staging) for path in paths]
        summary = apply_sources(sources, library, store, deck, history, dry_run)
        # Freed while the collector still waits: its first pass after the pause would otherwise
        # walk every object of the files read, only for them to be freed right after.
        del sources
    return summary
