"""The settings screen: every setting of profile.toml as a form, each value checked as it is typed
(core.storage.settingkeys, the checks `flashprep config` makes), saved with ctrl+s; and the
Optimize button, which fits FSRS to the user's history in a worker (core.stats.optimize, what
`flashprep optimize` does), with a progress bar and a Cancel that stops the fit."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from textual import constants, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Input, Label, ProgressBar, Select, Switch
from textual.worker import Worker, WorkerState, get_current_worker

from flashprep.core.files.tomlerrors import DataFileError
from flashprep.core.scheduling.fitting import MIN_REVIEWS, NotEnoughHistory
from flashprep.core.scheduling.optimizer import FitCancelled
from flashprep.core.stats.history import Cancelled
from flashprep.core.stats.optimize import fit_user, keep, report_lines
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
- **Optimize** (**ctrl+o**) fits the memory model (FSRS) to your own reviews, as
  `flashprep optimize` does: it learns from your earlier reviews and is scored on your latest
  ones against the parameters in use, and the new parameters are kept only when they predict
  better; drills and statistics then use them. It needs 1,000 reviews. **Cancel** stops it with
  nothing changed.
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
    #deck-limits-title, #fsrs-title { text-style: bold; padding: 1 0 0 0; }
    #optimize-row { height: auto; padding: 1 0 0 0; }
    #optimize-row > Button { margin: 0 2 0 0; }
    #optimize-progress { margin: 1 0 0 0; width: 40; }
    #optimize-result { padding: 1 0 1 0; height: auto; }
    """

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="save_settings", priority=True),
        Binding("escape", "back", "Back", id="back_settings"),
        Binding("ctrl+o", "optimize", "Optimize", id="optimize_settings"),
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
        self.fitting: threading.Event | None = None
        """Set to cancel the fit running (None: none is)."""
        self.keeping = False
        """The fit is over and its parameters are being written: nothing may interrupt."""

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
            yield PlainStatic("Memory model (FSRS)", id="fsrs-title")
            yield PlainStatic(self._fsrs_status(), id="fsrs-status", classes="setting-hint")
            with Horizontal(id="optimize-row"):
                yield Button("Optimize", id="optimize")
                yield Button("Cancel", id="optimize-cancel", disabled=True)
                bar = ProgressBar(total=1.0, show_eta=False, id="optimize-progress")
                bar.display = False
                yield bar
            yield PlainStatic("", id="optimize-result")
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

    # fitting FSRS to the user

    def _fsrs_status(self) -> str:
        fsrs = self.session.store.profile.fsrs
        if fsrs is None:
            return "Default parameters. Optimize fits them to your reviews."
        on = f" on {fsrs.fitted_on.isoformat()}" if fsrs.fitted_on else ""
        to = f" to {fsrs.reviews:,} reviews" if fsrs.reviews is not None else ""
        return f"Parameters fitted{on}{to}. Optimize fits them again."

    def _set_running(self, running: bool) -> None:
        self.query_one("#optimize", Button).disabled = running
        self.query_one("#optimize-cancel", Button).disabled = not running
        bar = self.query_one("#optimize-progress", ProgressBar)
        bar.display = running
        bar.update(progress=0.0)
        self.refresh_bindings()

    def action_optimize(self) -> None:
        if self.fitting is not None:
            return
        self.fitting = threading.Event()
        self._set_running(True)
        result = self.query_one("#optimize-result", PlainStatic)
        result.update("Reading your review history…")
        self.call_after_refresh(result.scroll_visible)
        self.fit(self.fitting)

    @on(Button.Pressed, "#optimize")
    def optimize_pressed(self) -> None:
        self.action_optimize()

    @on(Button.Pressed, "#optimize-cancel")
    def action_cancel_fit(self) -> None:
        if self.fitting is not None and not self.keeping:
            self.fitting.set()
            self.query_one("#optimize-cancel", Button).disabled = True
            self.query_one("#optimize-result", PlainStatic).update("Cancelling…")

    @work(thread=True, group="optimize", exit_on_error=False, description="optimize")
    def fit(self, cancel: threading.Event) -> None:
        worker = get_current_worker()
        store = self.session.store
        drawn = [-1]

        def stopped() -> bool:
            return cancel.is_set() or worker.is_cancelled

        def progress(done: float) -> None:
            percent = round(done * 100)  # drawn at most a hundred times
            if percent != drawn[0]:
                drawn[0] = percent
                self.app.call_from_thread(self._progress, done)

        try:
            result = fit_user(store, progress, stopped)
            if stopped():
                raise FitCancelled
            self.app.call_from_thread(self._keep_begins, result.outcome.better)
            if stopped():  # Cancel pressed just before it was disabled
                raise FitCancelled
            kept = keep(store, result)
        except NotEnoughHistory as exc:
            text = (
                f"Not enough reviews to fit: {exc.have:,} of {MIN_REVIEWS:,} (reviews a day or "
                "more after the card's previous one). The default parameters stay in use."
            )
            self._report_back(worker, text)
            return
        except (FitCancelled, Cancelled):
            self._report_back(worker, "Cancelled: nothing was changed.")
            return
        except (DataFileError, OSError, ValueError) as exc:
            self._report_back(worker, f"Not fitted: {exc}", error=True)
            return
        text = "\n".join(report_lines(result, kept))
        if kept:
            text += "\nDrills, the plan and the statistics use them from now on."
        self._report_back(worker, text)

    def _report_back(self, worker: Worker[None], text: str, error: bool = False) -> None:
        if not worker.is_cancelled:  # not when the screen was closed meanwhile
            self.app.call_from_thread(self._fit_over, text, error)

    def _progress(self, done: float) -> None:
        if self.fitting is not None and self.is_attached:
            self.query_one("#optimize-progress", ProgressBar).update(progress=done)
            self.query_one("#optimize-result", PlainStatic).update(f"Fitting… {done:.0%}")

    def _keep_begins(self, better: bool) -> None:
        self.keeping = True
        if self.is_attached:
            self.query_one("#optimize-cancel", Button).disabled = True
            self.refresh_bindings()
        if self.is_attached and better:
            self.query_one("#optimize-result", PlainStatic).update(
                "Keeping the new parameters: replaying your schedule under them…"
            )

    def on_unmount(self) -> None:
        if self.fitting is not None:
            self.fitting.set()
        self.workers.cancel_node(self)

    def _fit_over(self, text: str, error: bool = False) -> None:
        self.fitting = None
        self.keeping = False
        if not self.is_attached:
            return
        self._set_running(False)
        self.query_one("#fsrs-status", PlainStatic).update(self._fsrs_status())
        result = self.query_one("#optimize-result", PlainStatic)
        result.update(text)
        self.call_after_refresh(result.scroll_visible)
        if error:
            self.notify(one_line(text), severity="error", markup=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Any other failure of the fit is shown too, never a bar that runs for ever."""
        if event.worker.group == "optimize" and event.state == WorkerState.ERROR:
            self._fit_over(f"Not fitted: {one_line(str(event.worker.error))}", error=True)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("save", "back") and self.keeping:
            return False  # the profile and the schedule are being written
        if action == "optimize":
            return self.fitting is None
        return True

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
        if self.fitting is not None:
            self.fitting.set()  # the fit stops; nothing was written yet
        if self.snapshot() == self.baseline:
            self.dismiss()
            return
        from flashprep.tui.screens.confirm import ConfirmScreen

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss()

        self.app.push_screen(ConfirmScreen("Discard your changes to the settings?"), answered)
