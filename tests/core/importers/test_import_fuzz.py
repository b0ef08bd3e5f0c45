"""Mutated bytes of real Anki packages: every one is read or refused with one clear error."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings

from flashprep.core.files.tomlerrors import DataFileError
from flashprep.core.importers import read_source

from fuzzing import mutated

ANKI = Path(__file__).parents[2] / "data" / "anki"
PACKAGES = [(ANKI / name).read_bytes() for name in ("small-legacy.apkg", "small-modern.apkg")]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=mutated(PACKAGES))
def test_mutated_anki_packages_never_crash_the_reader(raw: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "deck.apkg"
        path.write_bytes(raw)
        try:
            source = read_source(path, "apkg")
        except DataFileError as exc:
            assert "deck.apkg" in str(exc) and "\n" not in str(exc)
        else:
            for deck in source.decks:
                assert deck.id
        assert sorted(p.name for p in Path(folder).iterdir()) == ["deck.apkg"]
