"""The core never imports Textual, so it stays fast to import and test."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import flashprep.core


def test_core_does_not_import_textual() -> None:
    modules = [f"flashprep.core.{m.name}" for m in pkgutil.iter_modules(flashprep.core.__path__)]
    assert len(modules) > 5
    code = (
        f"import sys, importlib\nfor m in {modules!r}: importlib.import_module(m)\n"
        "import flashprep.cli\nprint(sorted(k for k in sys.modules if k.split('.')[0] in "
        "('textual', 'rich')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
