"""Run the real `delegate-bot` entry point for tests of its failures, and read what it said.

`run` runs `bot.cli.main` in-process (stdout, stderr and the exit status captured) or as a
subprocess (`python -m bot`), `run_beside` in a worker thread beside the test's running App;
`unprivileged()` makes a subprocess meet file permissions as any user would, even when the
tests run as root (root passes every permission check, so without this an unwritable folder
or a read-only database cannot be shown).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import io
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.cli import main
from bot.i18n import Translator
from bot.text import html_to_plain

ROOT = Path(__file__).resolve().parent.parent
TEXTS = Translator.load()
PR_CAPBSET_DROP = 24
CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 1, 2


def plain(key: str, **params: object) -> str:
    """Return a Vietnamese text as the command line prints it."""
    return html_to_plain(TEXTS.t("vi", key, **params))


def failure(key: str, **params: object) -> str:
    """Return the whole stderr of a run that failed with the text `key`: one line."""
    return f"delegate-bot: {plain(key, **params)}\n"


@dataclass
class Run:
    """What one run returned and printed."""

    code: int
    out: str
    err: str


def run(*args: str) -> Run:
    """Run `delegate-bot ARGS...` in-process; return its status and output."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse's own errors
            code = int(exc.code or 0)
    return Run(code, out.getvalue(), err.getvalue())


async def run_beside(capsys: pytest.CaptureFixture[str], config_path: Path, *args: str) -> Run:
    """Run `delegate-bot --config FILE ARGS...` in-process, in a worker thread so that the
    test's own App (on the same database) keeps running; return its status and output."""
    capsys.readouterr()
    code = await asyncio.to_thread(main, ["--config", str(config_path), *args])
    captured = capsys.readouterr()
    return Run(code, captured.out, captured.err)


def _drop_root_override() -> None:
    """In the child before exec: give up root's right to ignore file permissions."""
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def unprivileged() -> Callable[[], None] | None:
    """Return what a subprocess needs to meet file permissions (None when not root);
    skip the test where root cannot give that up."""
    if os.geteuid() != 0:
        return None
    try:
        subprocess.run(["true"], preexec_fn=_drop_root_override, check=True)
    except (subprocess.SubprocessError, OSError) as exc:
        pytest.skip(f"running as root and cannot drop CAP_DAC_OVERRIDE: {exc}")
    return _drop_root_override


def run_process(*args: str, cwd: Path | None = None,
                preexec: Callable[[], None] | None = None) -> Run:
    """Run `python -m bot ARGS...` as a subprocess (no DELEGATE_BOT_* from outside)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DELEGATE_BOT_")}
    done = subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True,
                          text=True, timeout=60, cwd=cwd or ROOT, env=env, preexec_fn=preexec,
                          stdin=subprocess.DEVNULL)
    return Run(done.returncode, done.stdout, done.stderr)


def listing(folder: Path) -> list[str]:
    """Return the names in a folder, hidden ones (temporary files) included, sorted."""
    return sorted(p.name for p in folder.iterdir())
