"""The settings screen: every setting of profile.toml as a form, each value checked as it is typed
(core.storage.settingkeys, the checks `flashprep config` makes), saved with ctrl+s."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import constants, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Input, Label, Select, Switch

from flashprep.core.files.tomlerrors import DataFileError
from flashprep.core.storage.settingkeys import (
    CHOICES,
    DECK_FIELDS,
    SettingError,
    SettingKey,
    changed,
    current_value,
    parse_value,
    range_text,
    settings_data,
    value_text,
)
from flashprep.core.text import one_line
from flashprep.tui.widgets.card import KeyBar
from flashprep.tui.widgets.plain import PlainStatic, plain_content

if TYPE_CHECKING:
    from flashprep.tui.session import Session

SWITCHES = ("fuzz", "answer_timer")

FIELDS: list[tuple[str, str, str]] = [
    ("desired_retention", "Desired retention", range_text("desired_retention")),
    ("new_per_day", "New cards a day", range_text("new_per_day")),
    ("reviews_per_day", "Reviews a day", range_text("reviews_per_day")),
    ("daily_minutes", "Study minutes a day", range_text("daily_minutes")),
    ("new_card_order", "New card order", "across the decks of one drill"),
    ("learning_steps", "Learning steps", "minutes, e.g. 1,10"),
    ("relearning_steps", "Relearning steps", "minutes, e.g. 10"),
    ("rollover_hour", "Day starts at (hour)", range_text("rollover_hour")),
    ("timezone", "Time zone", "e.g. Europe/Paris; empty: this computer's"),
    ("maximum_interval", "Longest interval (days)", range_text("maximum_interval")),
    ("fuzz", "Fuzz intervals", "spread reviews a little"),
    ("leech_lapses", "Leech after lapses", range_text("leech_lapses")),
    ("leech_action", "Leech action", "tag: only marked; suspend: also set aside"),
    ("theme", "Theme", "also chosen in the palette (ctrl+p)"),
    ("answer_timer", "Answer timer", "shown in the drill"),
]
"""Each setting on the form: its key, its label and a hint (the range a number must be in)."""

DECK_LABELS = {"new_per_day": "Deck: new cards a day", "reviews_per_day": "Deck: reviews a day"}


class SettingsScreen(Screen[None]):
    HELP = """\
## Settings

Your study settings, saved in `profile.toml` (also `flashprep config`).

- Move between fields with **Tab** / **shift+Tab**; a value out of range is marked at once,
  with the range it must be in.
- **Deck limits**: choose a deck, then its own new cards and reviews a day, on top of yours
  (empty: no limit of its own).
- **ctrl+s** saves; **Escape** goes back (and asks before discarding changes).
"""

    DEFAULT_CSS = """
    #settings { padding: 0 1; }
    #settings-title { text-style: bold; color: $primary; padding: 1 0; }
    .setting-row { height: auto; }
    .setting-row > Label { width: 26; padding: 1 1 0 0; }
    .setting-row > Input, .setting-row > Select { width: 32; }
    .setting-hint { color: $text-muted; padding: 1 0 0 1; width: 1fr; }
    .setting-error { color: $error; padding: 0 0 0 26; height: auto; }
    #deck-limits-title { text-style: bold; padding: 1 0 0 0; }
    """

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="save_settings", priority=True),
        Binding("escape", "back", "Back", id="back_settings"),
    ]

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self.settings = session.store.settings
        """The values in profile.toml when the screen opened (a value equal to its own is
        always accepted: see settingkeys.parse_value)."""
        self.deck_texts: dict[str, tuple[str, str]] = {}
        """Per deck, the texts typed for its limits (kept while another deck is shown)."""
        self.deck: str | None = next(iter(session.library.decks), None)
        self.baseline: tuple[Any, ...] = ()

    def compose(self) -> ComposeResult:
        s = self.settings
        with VerticalScroll(id="settings"):
            yield PlainStatic("Settings", id="settings-title")
            for name, label, hint in FIELDS:
                with Horizontal(classes="setting-row"):
                    yield Label(label)
                    yield self._widget(name, getattr(s, name))
                    yield PlainStatic(hint, classes="setting-hint")
                yield PlainStatic("", id=f"error-{name}", classes="setting-error")
            yield PlainStatic("Deck limits", id="deck-limits-title")
            with Horizontal(classes="setting-row"):
                yield Label("Deck")
                decks = [(plain_content(d.name), d.id) for d in self.session.library]
                yield Select(
                    decks,
                    value=self.deck if self.deck is not None else Select.NULL,
                    allow_blank=self.deck is None,
                    id="deck",
                )
            for name in DECK_FIELDS:
                with Horizontal(classes="setting-row"):
                    yield Label(DECK_LABELS[name])
                    yield Input(self._deck_text(name), id=f"deck-{name}", placeholder="no limit")
                    yield PlainStatic(range_text(name), classes="setting-hint")
                yield PlainStatic("", id=f"error-deck-{name}", classes="setting-error")
        yield KeyBar()

    def _widget(self, name: str, value: Any) -> Input | Select[str] | Switch:
        if name in SWITCHES:
            return Switch(value=bool(value), id=name)
        if name in CHOICES:
            return Select([(c, c) for c in CHOICES[name]], value=value, allow_blank=False, id=name)
        if name == "theme":
            themes = [("default", ""), *((t, t) for t in sorted(self.app.available_themes))]
            known = value if value in self.app.available_themes else ""
            return Select(themes, value=known, allow_blank=False, id=name)
        return Input(value_text(value), id=name)

    def _deck_text(self, name: str) -> str:
        if self.deck is None:
            return ""
        texts = self.deck_texts.get(self.deck)
        if texts is not None:
            return texts[DECK_FIELDS.index(name)]
        return value_text(current_value(self.settings, SettingKey(name, self.deck)))

    def on_mount(self) -> None:
        for name in DECK_FIELDS:
            self.query_one(f"#deck-{name}", Input).disabled = self.deck is None
        self.baseline = self.snapshot()
        self.query_one("#desired_retention", Input).focus()

    # checking

    def snapshot(self) -> tuple[Any, ...]:
        """Everything on the form, to tell whether anything changed."""
        self.stash_deck()
        fields = tuple(self._raw(name) for name, _, _ in FIELDS)
        return fields, tuple(sorted(self.deck_texts.items()))

    def _raw(self, name: str) -> Any:
        widget = self.query_one(f"#{name}")
        if isinstance(widget, Input | Switch | Select):
            return widget.value
        raise TypeError(name)  # pragma: no cover - every field is one of them

    def stash_deck(self) -> None:
        if self.deck is not None:
            new, reviews = (self.query_one(f"#deck-{n}", Input).value for n in DECK_FIELDS)
            self.deck_texts[self.deck] = (new, reviews)

    def check(self, name: str) -> Any:
        """The field's value; SettingError (shown under the field) when it is refused."""
        key = SettingKey(name)
        raw = self._raw(name)
        if name in SWITCHES:
            return bool(raw)
        return parse_value(key, str(raw), current_value(self.settings, key))

    def check_deck(self, deck: str, name: str, text: str) -> int | None:
        key = SettingKey(name, deck)
        if not text.strip():
            return None
        value: int = parse_value(key, text, current_value(self.settings, key))
        return value

    def show_error(self, error_id: str, problem: str) -> None:
        self.query_one(f"#{error_id}", PlainStatic).update(problem)

    @on(Input.Changed)
    def field_changed(self, event: Input.Changed) -> None:
        field = event.input.id or ""
        if field.startswith("deck-"):
            name = field.removeprefix("deck-")
            if self.deck is None:
                return
            try:
                self.check_deck(self.deck, name, event.value)
                problem = ""
            except SettingError as exc:
                problem = str(exc)
        else:
            try:
                self.check(field)
                problem = ""
            except SettingError as exc:
                problem = str(exc)
        event.input.set_class(bool(problem), "-invalid")
        self.show_error(f"error-{field}", problem)

    @on(Select.Changed, "#deck")
    def deck_chosen(self, event: Select.Changed) -> None:
        if event.value == Select.NULL or event.value == self.deck:
            return
        self.stash_deck()
        self.deck = str(event.value)
        for name in DECK_FIELDS:
            self.query_one(f"#deck-{name}", Input).value = self._deck_text(name)

    # saving and leaving

    def collect(self) -> dict[str, Any]:
        """The new `[settings]` table; SettingError naming the first field refused (shown under
        it, and the form moved to it)."""
        self.stash_deck()
        data = settings_data(self.settings)
        for name, _, _ in FIELDS:
            try:
                data = changed(data, SettingKey(name), self.check(name))
            except SettingError as exc:
                self.show_error(f"error-{name}", str(exc))
                self.query_one(f"#{name}").focus()
                raise
        for deck, texts in self.deck_texts.items():
            for name, text in zip(DECK_FIELDS, texts, strict=True):
                try:
                    value = self.check_deck(deck, name, text)
                except SettingError:
                    self.query_one("#deck", Select).value = deck
                    self.call_after_refresh(self.query_one(f"#deck-{name}", Input).focus)
                    raise
                data = changed(data, SettingKey(name, deck), value)
        return data

    def action_save(self) -> None:
        store = self.session.store
        try:
            data = self.collect()
            store.save_profile(store.profile.with_settings(data))
        except (SettingError, DataFileError, OSError) as exc:
            self.notify(one_line(f"Not saved: {exc}"), severity="error", markup=False)
            return
        self.settings = store.settings
        theme = store.settings.theme or constants.DEFAULT_THEME
        if self.app.theme != theme and theme in self.app.available_themes:
            self.app.theme = theme  # already saved: the App finds nothing to remember
        self.baseline = self.snapshot()
        self.notify("Settings saved.")

    def action_back(self) -> None:
        if self.snapshot() == self.baseline:
            self.dismiss()
            return
        from flashprep.tui.screens.confirm import ConfirmScreen

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss()

        self.app.push_screen(ConfirmScreen("Discard your changes to the settings?"), answered)
