"""Custom study from the home screen: more new cards today, review ahead, or a drill of the cards
a search finds; any of them as practice, which leaves the schedule alone. The dialog only asks;
core/study/customstudy.py says what each choice drills, and the App opens the drill."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, Label, RadioButton, RadioSet, Static

from flashprep.core.browse.query import QueryError, parse_query
from flashprep.core.browse.search import matching_keys
from flashprep.core.study.customstudy import DrillOptions, StudyKind, custom_study
from flashprep.core.text import one_line
from flashprep.tui.screens import SHARED_CSS
from flashprep.tui.widgets.card import HELP_KEYS, KeyBar
from flashprep.tui.widgets.plain import PlainStatic

if TYPE_CHECKING:
    from flashprep.tui.session import Session

MAX_AMOUNT = 9999
"""The most new cards or days one custom study asks for (as `flashprep drill` allows)."""
KINDS: dict[StudyKind, tuple[str, str, str]] = {
    "new": ("More new cards today", "New cards to add to today's limit", "10"),
    "ahead": ("Review ahead", "Days ahead: the cards due by then", "7"),
    "search": ("Drill a search", "", ""),
}
"""Each choice: its label, what the number means, and the number offered."""


class CustomStudy(NamedTuple):
    """What the dialog returns: the decks (None: all, or the cards found) and the options."""

    deck_ids: list[str] | None
    options: DrillOptions


class CustomStudyScreen(ModalScreen[CustomStudy | None]):
    CSS_PATH = SHARED_CSS
    DEFAULT_CSS = """
    #custom-title {
        text-style: bold;
        padding: 1 0 0 0;
    }
    #custom-decks {
        color: $text-muted;
        padding: 0 0 1 0;
    }
    #custom-kind {
        width: 100%;
    }
    #custom-error {
        color: $error;
        height: auto;
    }
    """

    HELP = """\
## Custom study

Study beyond today's queue, in the decks marked on the home screen (all decks when none is
marked):

- **More new cards today**: raise today's new-card limit by the number given, for this drill.
- **Review ahead**: the cards due in the next days, most due first.
- **Drill a search**: the cards a query finds, in the language of the card browser and
  `flashprep cards` (e.g. `tag:sql`, `level:senior deck:system-design`, `is:leech`).
- **Practice**: any of the above without changing the cards' schedule (the grades are logged
  apart, like mock rounds): to cram before an interview.

**Space** picks a choice or ticks practice; **Tab** moves; **Enter** starts; **Escape** cancels.
"""

    BINDINGS = [
        Binding("enter", "start", "Start", id="start_custom", priority=True),
        Binding("escape", "cancel", "Cancel", id="cancel_custom"),
        *HELP_KEYS,
    ]

    def __init__(self, session: Session, deck_ids: list[str] | None, decks_label: str) -> None:
        super().__init__()
        self.session = session
        self.deck_ids = deck_ids
        self.decks_label = decks_label
        self.kind: StudyKind = "new"

    def compose(self) -> ComposeResult:
        with Vertical(id="custom-study", classes="dialog"):
            yield PlainStatic("Custom study", id="custom-title")
            yield PlainStatic(f"Decks: {self.decks_label}", id="custom-decks")
            with RadioSet(id="custom-kind"):
                for kind, (label, _, _) in KINDS.items():
                    yield RadioButton(label, value=kind == "new", id=f"kind-{kind}")
            yield Label(KINDS["new"][1], id="amount-label")
            yield Input(KINDS["new"][2], id="amount", restrict=r"[0-9]*", max_length=4)
            yield Label("Search (the card browser's language)", id="query-label")
            yield Input("", id="query", placeholder="e.g. tag:sql level:senior")
            yield Checkbox("Practice: leave the schedule alone", id="practice")
            yield PlainStatic("", id="custom-error")
        yield KeyBar()

    def on_mount(self) -> None:
        self._show_kind()
        self.query_one(RadioSet).focus()

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        pressed = event.pressed.id or ""
        self.kind = pressed.removeprefix("kind-")  # type: ignore[assignment]
        self._show_kind()

    def _show_kind(self) -> None:
        """The number for new cards and review ahead; the query for a search."""
        search = self.kind == "search"
        for selector in ("#amount-label", "#amount"):
            self.query_one(selector).display = not search
        for selector in ("#query-label", "#query"):
            self.query_one(selector).display = search
        if not search:
            _, meaning, offered = KINDS[self.kind]
            self.query_one("#amount-label", Label).update(meaning)
            self.query_one("#amount", Input).value = offered
        self.query_one("#custom-error", Static).update("")

    def _error(self, message: str) -> None:
        self.query_one("#custom-error", Static).update(message)

    def action_start(self) -> None:
        practice = self.query_one("#practice", Checkbox).value
        session = self.session
        if self.kind == "search":
            found = self._search()
            if found is None:
                return
            options = custom_study(
                session.library, session.store, self.deck_ids, "search", 0, practice, found
            )
            self.dismiss(CustomStudy(None, options))
            return
        text = self.query_one("#amount", Input).value.strip()
        if not text.isdigit() or not 1 <= int(text) <= MAX_AMOUNT:
            what = "New cards" if self.kind == "new" else "Days"
            self._error(f"{what}: a whole number from 1 to {MAX_AMOUNT}")
            return
        options = custom_study(
            session.library, session.store, self.deck_ids, self.kind, int(text), practice
        )
        if options.keys is not None and not options.keys:  # practice of nothing
            nothing = "new cards" if self.kind == "new" else f"cards due in the next {text} days"
            self._error(f"No {nothing} to practice in these decks.")
            return
        self.dismiss(CustomStudy(self.deck_ids, options))

    def _search(self) -> list[str] | None:
        """The cards the query finds in the decks (None, with the error shown, when none)."""
        text = self.query_one("#query", Input).value
        try:
            query = parse_query(text)
        except QueryError as exc:
            self._error(f"Search: {exc}\n{one_line(text)}\n{' ' * exc.position}^")
            return None
        session = self.session
        found = matching_keys(session.library, session.store, query, self.deck_ids)
        if not found:
            self._error("Search: no card matches it in these decks.")
            return None
        return found

    def action_cancel(self) -> None:
        self.dismiss(None)
