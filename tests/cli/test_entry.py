"""The console script's entry module: Ctrl-C before the SDK has imported ends in one line."""

from __future__ import annotations

import subprocess
import sys

import _doctrina_entry
from doctrina_sdk._cli._app import EXIT_INTERRUPTED

# A child that presses Ctrl-C on itself the moment `doctrina_sdk` starts importing.
_INTERRUPTED_WHILE_IMPORTING = """
import importlib.abc, os, signal, sys

class PressCtrlC(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name == "doctrina_sdk":
            os.kill(os.getpid(), signal.SIGINT)
        return None

sys.meta_path.insert(0, PressCtrlC())
import _doctrina_entry
sys.exit(_doctrina_entry.main())
"""


def test_ctrl_c_while_the_sdk_imports_prints_one_line_and_exits_130() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _INTERRUPTED_WHILE_IMPORTING], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == EXIT_INTERRUPTED
    assert done.stderr == "Interrupted.\n"


def test_the_entry_module_exits_with_the_commands_code_for_ctrl_c() -> None:
    assert _doctrina_entry.EXIT_INTERRUPTED == EXIT_INTERRUPTED


def test_the_console_script_runs_the_command() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, _doctrina_entry; sys.argv = ['doctrina', '--help']; "
            "sys.exit(_doctrina_entry.main())",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "seed" in done.stdout
