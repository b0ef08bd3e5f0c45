"""`flashprep config`: list, get, set or unset a setting of profile.toml (core.storage.settingkeys
says what each key takes); a refused value changes nothing."""

from __future__ import annotations

import argparse
from typing import Any

from flashprep.commands.common import (
    CliError,
    add_common_options,
    check_deck_ids,
    open_user,
    show,
    show_json,
)
from flashprep.core.storage.settingkeys import (
    SettingError,
    SettingKey,
    current_value,
    default_value,
    parse_key,
    parse_value,
    setting_items,
    settings_data,
    value_text,
)


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "config",
        help="show or change your settings",
        description="Without an action, lists every setting as `key = value`. Keys are the "
        "names in profile.toml's [settings] and deck.<id>.new_per_day, deck.<id>.reviews_per_day "
        "(a deck's own limits, on top of yours). Lists are written 1,10; booleans true/false.",
    )
    parser.add_argument("--json", action="store_true", help="print the settings as JSON")
    add_common_options(parser)
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    get = actions.add_parser("get", help="print one setting's value")
    get.add_argument("key", metavar="KEY")
    set_ = actions.add_parser("set", help="change a setting")
    set_.add_argument("key", metavar="KEY")
    set_.add_argument("value", metavar="VALUE")
    unset = actions.add_parser("unset", help="put a setting back to its default")
    unset.add_argument("key", metavar="KEY")
    for action in (get, set_, unset):
        add_common_options(action)
    parser.set_defaults(func=run)


def _key(text: str) -> SettingKey:
    try:
        return parse_key(text)
    except SettingError as exc:
        raise CliError(f"config: {exc}") from None


def run(args: argparse.Namespace) -> int:
    if args.action in ("set", "unset"):
        return _change(args, _key(args.key))
    key = _key(args.key) if args.action == "get" else None
    opened = open_user(args, decks=False)
    settings = opened.store.settings
    if key is not None:
        show(value_text(current_value(settings, key)))
    elif args.json:
        show_json(settings_data(settings))
    else:
        for item, value in setting_items(settings):
            show(f"{item} = {value_text(value)}".rstrip())
    return 0


def check_theme(name: str) -> None:
    """Refuse a theme name Textual does not know (its themes module: about 0.1-0.25 s to import,
    paid only here)."""
    from textual.theme import BUILTIN_THEMES

    if name and name not in BUILTIN_THEMES:
        known = ", ".join(sorted(BUILTIN_THEMES))
        raise SettingError(f"theme: unknown theme {name!r} (known: {known})")


def _change(args: argparse.Namespace, key: SettingKey) -> int:
    """Under the user's lock, from profile.toml as it is now: check, then write atomically."""
    opened = open_user(args, write=True, decks=key.deck is not None)
    try:
        if key.deck is not None and args.action == "set":
            try:
                check_deck_ids(opened.library, [key.deck])
            except CliError as exc:
                raise CliError(f"config: {exc}") from None
        store = opened.store
        profile = store.profile  # validated: a broken file is reported, never overwritten
        settings = profile.values()
        try:
            if args.action == "set":
                value = parse_value(key, args.value, current_value(settings, key))
                if key.name == "theme":
                    check_theme(value)
            else:
                value = default_value(key)
            new = profile.with_setting(key, value)
        except SettingError as exc:
            raise CliError(f"config: {exc}") from None
        store.save_profile(new)
        show(f"{key} = {value_text(current_value(store.settings, key))}".rstrip())
    finally:
        opened.close()
    return 0
