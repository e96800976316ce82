"""The exit hook that lets the official client's threads leave Python before shutdown."""

from __future__ import annotations

import _thread
import threading
import time

from doctrina_sdk._transport_websocket import _await_foreign_python_frames


def _foreign_thread(release: threading.Event) -> threading.Event:
    """A thread `threading` does not know (as pyo3's are), inside Python until ``release``."""
    entered, left = threading.Event(), threading.Event()

    def run() -> None:
        entered.set()
        release.wait(30)
        left.set()

    _thread.start_new_thread(run, ())
    assert entered.wait(30)
    return left


def test_waits_until_a_foreign_thread_has_left_python() -> None:
    release = threading.Event()
    left = _foreign_thread(release)
    threading.Timer(0.3, release.set).start()
    _await_foreign_python_frames(30)
    assert left.is_set()


def test_the_wait_is_bounded() -> None:
    release = threading.Event()
    left = _foreign_thread(release)
    _await_foreign_python_frames(0.1)
    assert not left.is_set()
    release.set()
    _await_foreign_python_frames(30)


def test_threads_known_to_threading_are_not_waited_for() -> None:
    release = threading.Event()
    worker = threading.Thread(target=release.wait, args=(30,), daemon=True)
    worker.start()
    started = time.monotonic()
    _await_foreign_python_frames(30)
    assert time.monotonic() - started < 10
    release.set()
    worker.join()
