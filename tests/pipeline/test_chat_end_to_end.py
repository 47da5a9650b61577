"""The bar of issue SYSTEM: a scripted chat over stdin books a table on the default domain, end to end.

Runs the real `tod chat` (packaged MiniLM NLU trained on synthesised dialogues) in a subprocess. The
NLU is trained once and cached where tod always caches it ($TOD_CACHE or ~/.cache/tod), so the first
run takes minutes and later runs seconds, exactly like `make chat`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = [
    "hello",
    "i am looking for a cheap italian restaurant",
    "what is the phone number?",
    "please book a table for 4 people on friday at 7pm",
    "/state",
    "thanks, that is all",
]


@pytest.mark.slow
def test_a_scripted_chat_books_a_table():
    tod = Path(sys.executable).with_name("tod")
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(
        [str(tod), "chat", "--no-progress"],
        input="\n".join(SCRIPT) + "\n",
        capture_output=True,
        text=True,
        timeout=1200,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert len(lines) == len(SCRIPT), done.stdout
    assert "reference number" in lines[3].lower(), lines[3]
    state = json.loads(lines[4])
    booked = state["belief"]["restaurant"]["booked"]
    assert booked and booked[0]["people"] == "4" and booked[0]["day"] == "friday" and booked[0]["time"] == "19:00"
    assert "01632" in lines[2]  # the phone number of the offered restaurant
