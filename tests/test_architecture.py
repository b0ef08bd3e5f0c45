"""The architecture holds: the core never imports Textual or Rich (so it stays fast to import and
to test), and the import-linter contracts in pyproject.toml (layers, no cycles, screens without
the App) pass. docs/architecture.md explains both."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOT_IMPORTED = {"flashprep.__main__"}  # importing it runs the app


def all_modules(package: str) -> list[str]:
    """Every module under `package`, subpackages included (walk_packages recurses; iter_modules
    does not)."""
    top = importlib.import_module(package)

    def fail(name: str) -> None:
        raise ImportError(name)

    found = [package]
    for module in pkgutil.walk_packages(top.__path__, f"{package}.", onerror=fail):
        if module.name not in NOT_IMPORTED:
            found.append(module.name)
    return found


def test_the_walk_reaches_every_layer() -> None:
    modules = set(all_modules("flashprep"))
    for name in (
        "flashprep.core.files.fileio",
        "flashprep.core.storage.reviewlog",
        "flashprep.core.importers.ankipackage",
        "flashprep.core.exporters.ankitext",
        "flashprep.tui.screens.drill",
        "flashprep.commands.stats",
    ):
        assert name in modules
    assert "flashprep.__main__" not in modules


def test_every_module_imports() -> None:
    for name in all_modules("flashprep"):
        importlib.import_module(name)


def test_core_does_not_import_textual() -> None:
    """Every core module, and the CLI, imported in a fresh interpreter: no Textual or Rich."""
    modules = all_modules("flashprep.core")
    assert len(modules) > 40
    code = (
        f"import sys, importlib\nfor m in {modules!r}: importlib.import_module(m)\n"
        "import flashprep.cli\nprint(sorted(k for k in sys.modules if k.split('.')[0] in "
        "('textual', 'rich')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_import_contracts_pass() -> None:
    lint_imports = Path(sys.executable).parent / "lint-imports"
    out = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert out.returncode == 0, out.stdout[-3000:]
    assert " kept, 0 broken." in out.stdout
