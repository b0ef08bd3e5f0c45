"""Regenerate docs/screenshot.svg: a drill on the bundled decks, answer revealed.

    python docs/screenshot.py
"""

from __future__ import annotations

import asyncio
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from flashprep.core.decks.library import DeckLibrary
from flashprep.core.paths import Home
from flashprep.core.storage.userstore import UserStore
from flashprep.tui.app import FlashprepApp


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        home = Home(Path(folder))
        store = UserStore(home, "you", lambda: datetime(2026, 11, 26, 15, tzinfo=UTC))
        app = FlashprepApp(DeckLibrary.load(home), store, "drill", ["python"], timer=lambda: 0.0)
        async with app.run_test(size=(100, 32)) as pilot:
            await pilot.press("space")
            await pilot.pause()
            app.save_screenshot("screenshot.svg", str(Path(__file__).parent))


if __name__ == "__main__":
    asyncio.run(main())
