"""Command palette entries: "Drill <deck>" for every deck, beside Textual's own commands."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.markup import escape

from flashprep.core.text import clean
from flashprep.tui.messages import StartDrill
from flashprep.tui.session import Session


class DeckCommands(Provider):
    """Start a drill of one deck, or of all decks, from the palette (ctrl+p)."""

    def _entries(self) -> list[tuple[str, list[str] | None, str]]:
        session = getattr(self.app, "session", None)  # the App's; not imported (no cycle)
        if not isinstance(session, Session):
            return []
        entries: list[tuple[str, list[str] | None, str]] = [
            ("Drill all decks", None, "Drill every deck")
        ]
        for loaded in session.library:
            name = clean(loaded.deck.name)
            entries.append((f"Drill {name}", [loaded.id], f"{loaded.deck.category} deck"))
        return entries

    def _start(self, deck_ids: list[str] | None) -> None:
        self.app.post_message(StartDrill(deck_ids))

    async def discover(self) -> Hits:
        for title, deck_ids, help_text in self._entries():
            yield DiscoveryHit(Content(title), partial(self._start, deck_ids), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, deck_ids, help_text in self._entries():
            score = matcher.match(title)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(escape(title)),
                    partial(self._start, deck_ids),
                    text=title,
                    help=help_text,
                )
