"""What can be done to cards from the card browser and from a card's details, in one place:
suspend, bury, forget, make due, edit, tag, set the level, delete, undo. The two screens differ
only in which cards an action applies to (`targets`) and in how they show the change
(`cards_changed`).

Scheduling actions are review-log entries (core/browse/actions.py), one batch per key press,
so `u` takes the whole batch back; content changes go through core/decks/cardedits.py (a bundled
card's to the overrides file)."""

from __future__ import annotations

from collections.abc import Callable

from textual.binding import Binding, BindingType
from textual.screen import Screen

from flashprep.core.files.lock import LockedError
from flashprep.core.files.tomlerrors import DataFileError
from flashprep.core.keys import deck_of
from flashprep.core.study.drill import is_buried
from flashprep.core.text import clean, one_line
from flashprep.format import plural
from flashprep.tui.messages import CheckpointDue
from flashprep.tui.session import Session

DONE = {
    "suspend": "Suspended {}",
    "unsuspend": "Unsuspended {}",
    "bury": "Buried {} until tomorrow",
    "unbury": "Unburied {}",
    "forget": "Reset {} to new",
    "due-today": "Made {} due today",
}
"""How a toast names what a scheduling action did."""

CONTENT_ERRORS = (ValueError, OSError, DataFileError, LockedError)
"""What a content change can fail with: a bad tag or level, a deck we may not write, a full
disk, a deck file changed or locked meanwhile. Each is shown in one line; nothing is written."""

ACTION_HELP = """\
- **!** suspends the cards (or unsuspends them, when all are suspended); **-** buries them until
  tomorrow (or unburies them); **f** forgets them (back to new, history kept; asks first);
  **t** makes them due today. Each is a review-log entry: **u** undoes it.
- **e** edits the card (in `$EDITOR`, or here); **+** adds a tag, **#** removes one (→ completes
  a tag in use); **L** sets the level. A bundled card's change goes to your overrides file.
- **Delete** deletes the cards (your own and imported decks only; asks first).
"""


ACTION_BINDINGS: list[BindingType] = [
    Binding("exclamation_mark", "toggle_suspend", "Suspend", id="cards_suspend"),
    Binding("minus", "toggle_bury", "Bury", id="cards_bury"),
    Binding("f", "forget", "Forget", show=False, id="cards_forget"),
    Binding("t", "due_today", "Due today", show=False, id="cards_due_today"),
    Binding("e", "edit", "Edit", id="cards_edit"),
    Binding("plus", "add_tag", "Tag", show=False, id="cards_add_tag"),
    Binding("number_sign", "remove_tag", "Untag", show=False, id="cards_remove_tag"),
    Binding("L", "set_level", "Level", show=False, id="cards_level"),
    Binding("delete", "delete", "Delete", show=False, id="cards_delete"),
    Binding("u", "undo", "Undo", id="cards_undo"),
]
"""The keys of the card actions; each screen puts them among its own, in the order its footer
shows them."""


class CardActionsScreen(Screen[None]):
    """A screen that acts on some cards. Subclasses say which (`targets`, `current_key`) and
    redraw them after a change (`cards_changed`, `cards_deleted`)."""

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session

    # what subclasses provide

    def targets(self) -> list[str]:
        """The keys an action applies to (the marked cards, else the highlighted one)."""
        raise NotImplementedError

    def current_key(self) -> str | None:
        """The one card `e` edits."""
        raise NotImplementedError

    def cards_changed(self, keys: list[str] | None, content: bool) -> None:
        """Show these cards as they are now (None: every card shown); `content` when their text,
        tags or level changed, not only their schedule."""
        raise NotImplementedError

    def cards_deleted(self, keys: list[str]) -> None:
        raise NotImplementedError

    # scheduling actions

    def action_toggle_suspend(self) -> None:
        keys = self.targets()
        store = self.session.store
        if keys:
            every = all(store.state(k).suspended for k in keys)
            self.schedule("unsuspend" if every else "suspend", keys)

    def action_toggle_bury(self) -> None:
        keys = self.targets()
        store = self.session.store
        today_ord = store.today().toordinal()

        if keys:
            every = all(is_buried(store.state(k), today_ord) for k in keys)
            self.schedule("unbury" if every else "bury", keys)

    def action_due_today(self) -> None:
        keys = self.targets()
        if keys:
            self.schedule("due-today", keys)

    def action_forget(self) -> None:
        keys = self.targets()
        if not keys:
            return
        question = (
            f"Forget {self._naming(keys)}? They go back to new (their history is kept; "
            "u undoes it)."
        )
        self._confirm(question, lambda: self.schedule("forget", keys))

    def schedule(self, action: str, keys: list[str]) -> None:
        """Apply a scheduling action to `keys` as one undoable log batch, and say what changed."""
        from flashprep.core.browse.actions import apply_schedule_action

        store = self.session.store
        try:
            result = apply_schedule_action(store, keys, action)
        except (OSError, DataFileError) as exc:
            self.notify(one_line(f"Not saved: {exc}"), severity="error", markup=False)
            return
        if not result.changed:
            self.notify(f"No change: {self._naming(keys)} already so.", timeout=3, markup=False)
            return
        note = DONE[action].format(plural(len(result.changed), "card"))
        if result.unchanged:
            note += f" ({len(result.unchanged)} already so)"
        self.notify(f"{note}. u undoes it.", timeout=3, markup=False)
        self.cards_changed(result.changed, content=False)
        if store.needs_checkpoint():
            self.post_message(CheckpointDue())

    def action_undo(self) -> None:
        store = self.session.store
        keys = [entry.card for entry in store.next_undo]
        try:
            entry = store.undo()
        except (OSError, DataFileError) as exc:
            self.notify(one_line(f"Undo failed: {exc}"), severity="error", markup=False)
            return
        if entry is None:
            self.notify("Nothing to undo.", timeout=2, markup=False)
            return
        self.notify(f"Undone ({plural(len(keys), 'card')}).", timeout=1.5, markup=False)
        self.cards_changed(keys, content=False)

    # content

    def action_edit(self) -> None:
        from flashprep.tui.screens.card_editing import edit_card

        key = self.current_key()
        if key is not None:
            edit_card(self, self.session, key, lambda k: self.cards_changed([k], content=True))

    def action_add_tag(self) -> None:
        from flashprep.core.decks.cardedits import add_tag, all_tags
        from flashprep.tui.screens.card_prompts import TagPrompt

        keys = self.targets()
        if not keys:
            return
        tags = all_tags(self.session.library)
        prompt = TagPrompt(f"Add a tag to {self._naming(keys)}", tags)

        def chosen(tag: str | None) -> None:
            if tag is not None:
                self._edit_content(add_tag, keys, tag, f"Tagged {{}} {tag!r}")

        self.app.push_screen(prompt, chosen)

    def action_remove_tag(self) -> None:
        from flashprep.core.decks.cardedits import remove_tag
        from flashprep.tui.screens.card_prompts import TagPrompt

        keys = self.targets()
        if not keys:
            return
        library = self.session.library
        tags = sorted({t for k in keys if (card := library.text(k)) for t in card.tags})
        prompt = TagPrompt(f"Remove a tag from {self._naming(keys)}", tags)

        def chosen(tag: str | None) -> None:
            if tag is not None:
                self._edit_content(remove_tag, keys, tag, f"Removed {tag!r} from {{}}")

        self.app.push_screen(prompt, chosen)

    def action_set_level(self) -> None:
        from flashprep.core.decks.cardedits import set_level
        from flashprep.tui.screens.card_prompts import LevelPrompt

        keys = self.targets()
        if not keys:
            return

        def chosen(level: str | None) -> None:
            if level is not None:
                self._edit_content(
                    set_level, keys, level or None, f"Set the level of {{}} to {level or 'none'}"
                )

        self.app.push_screen(LevelPrompt(f"Level of {self._naming(keys)}"), chosen)

    def _edit_content(
        self,
        edit: Callable[..., list[str]],
        keys: list[str],
        value: str | None,
        done: str,
    ) -> None:
        """Apply a content edit; `done` names the change, with {} for the cards."""
        try:
            changed = edit(self.session.library, keys, value)
        except CONTENT_ERRORS as exc:
            self.notify(one_line(f"Not saved: {exc}"), severity="error", markup=False)
            return
        if not changed:
            self.notify(f"No change to {self._naming(keys)}.", timeout=3, markup=False)
            return
        self.notify(one_line(done.format(plural(len(changed), "card")) + "."), markup=False)
        self.cards_changed(changed, content=True)

    def action_delete(self) -> None:
        from flashprep.core.decks.cardedits import delete_cards

        keys = self.targets()
        if not keys:
            return
        library = self.session.library
        bundled = sorted(
            {
                d
                for k in keys
                if (loaded := library.get(d := deck_of(k))) and loaded.source == "bundled"
            }
        )
        if bundled:
            self.notify(
                one_line(
                    f"Cards of the bundled deck {', '.join(bundled)} cannot be deleted "
                    "(suspend them instead: !)."
                ),
                severity="warning",
                markup=False,
            )
            return

        def delete() -> None:
            try:
                deleted = delete_cards(library, keys)
            except CONTENT_ERRORS as exc:
                self.notify(one_line(f"Not deleted: {exc}"), severity="error", markup=False)
                return
            self.notify(f"Deleted {plural(len(deleted), 'card')}.", timeout=3, markup=False)
            self.cards_deleted(deleted)

        self._confirm(f"Delete {self._naming(keys)}? This cannot be undone.", delete)

    # helpers

    def _naming(self, keys: list[str]) -> str:
        """`the card "What is CAP?"` or `3 cards`, for prompts and toasts."""
        if len(keys) != 1:
            return plural(len(keys), "card")
        card = self.session.library.text(keys[0])
        front = one_line(clean(card.front)) if card is not None else keys[0]
        return f"the card {front[:50]!r}"

    def _confirm(self, question: str, then: Callable[[], None]) -> None:
        from flashprep.tui.screens.confirm import ConfirmScreen

        def answered(yes: bool | None) -> None:
            if yes:
                then()

        self.app.push_screen(ConfirmScreen(question), answered)
