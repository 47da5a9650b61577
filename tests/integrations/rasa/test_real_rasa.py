"""examples/rasa_bot with real Rasa Open Source 3.6 in front of ``tod serve-actions``.

Rasa needs Python 3.8-3.10 and its own virtual environment, so it is not a dependency: this test runs
``examples/rasa_bot/check_with_rasa.py`` (train, serve, talk, check) where a Rasa executable is found
(``TOD_RASA=/path/to/rasa-venv/bin/rasa`` or ``rasa`` on PATH) and is skipped with the reason elsewhere.
The full run (a 400-turn conversation) is the documented command in ``examples/rasa_bot/README.md``.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integrations.rasa.conftest import REPO

SCRIPT = REPO / "examples" / "rasa_bot" / "check_with_rasa.py"


def rasa_executable() -> str:
    found = os.environ.get("TOD_RASA") or shutil.which("rasa")
    if not found or not Path(found).exists():
        pytest.skip("Rasa Open Source 3.6 not found (set TOD_RASA to the rasa executable of a Python 3.10 venv)")
    version = subprocess.run([found, "--version"], capture_output=True, text=True, timeout=300).stdout
    if "Rasa Version      :         3.6." not in version:
        pytest.skip(f"{found} is not Rasa Open Source 3.6: {version.strip()[:200]}")
    return found


@pytest.mark.slow
def test_the_example_project_books_and_answers_with_real_rasa(tmp_path: Path, rasa_sdk_installed: None) -> None:
    rasa = rasa_executable()
    spec = importlib.util.spec_from_file_location("check_with_rasa", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    out = tmp_path / "report.md"
    code = module.main(["--rasa", rasa, "--long-turns", "40", "--work", str(tmp_path / "work"), "--out", str(out)])
    text = out.read_text(encoding="utf-8")
    assert code == 0, text
    assert text.count("| pass |") == 6 and "FAIL" not in text
