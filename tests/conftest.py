"""Every test runs against its own data folder, user and clock; never the developer's real files."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from flashprep.core.decks.library import DeckLibrary
from flashprep.core.paths import Home
from flashprep.core.storage.profile import Profile, save_profile
from flashprep.core.storage.userstore import UserStore

from helpers import FakeClock

DATA = Path(__file__).parent / "data"


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLASHPREP_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("FLASHPREP_USER", "tester")
    monkeypatch.setenv("TEXTUAL_ANIMATION", "none")
    monkeypatch.delenv("EDITOR", raising=False)
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("TZ", "UTC")


@pytest.fixture
def home(tmp_path: Path) -> Home:
    return Home(tmp_path / "home")


@pytest.fixture
def decks_dir(tmp_path: Path) -> Path:
    target = tmp_path / "bundled"
    shutil.copytree(DATA / "decks", target)
    return target


@pytest.fixture
def library(home: Home, decks_dir: Path) -> DeckLibrary:
    return DeckLibrary.load(home, decks_dir)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_store(home: Home, clock: FakeClock) -> Callable[..., UserStore]:
    """A store for a user with a fixed seed and UTC days, so schedules are reproducible."""

    def make(user: str = "tester", **settings: object) -> UserStore:
        path = home.user_dir(user) / "profile.toml"
        if not path.exists():
            profile = Profile.model_validate(
                {"seed": 7, "settings": {"timezone": "UTC", **settings}}
            )
            save_profile(path, profile)
        return UserStore(home, user, clock)

    return make


@pytest.fixture
def store(make_store: Callable[..., UserStore]) -> UserStore:
    return make_store()
