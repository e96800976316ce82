"""How often a script that reads one live value and exits ends badly (a robustness count, not a timing).

    .venv/bin/python benchmarks/live_query_exit.py [RUNS]

Each run is a fresh interpreter that signs in, prints the first value of
`notifications.watch_unread()` and exits; a run is bad when its exit code is not 0 or
it prints the official client's "Retarting subscription" warning. Run it under load
(the abort it guards against, docs/transports.md, needs the official client's thread
to lose the CPU at the wrong moment).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time

from doctrina_sdk import LocalBackend

SCRIPT = """
import os
import doctrina_sdk as sdk
with sdk.Doctrina(url=os.environ["URL"], auth_token=os.environ["TOKEN"]) as client:
    client.users.ensure_current()
    with client.notifications.watch_unread() as updates:
        print(next(updates))
"""


def main(runs: int) -> None:
    bad: dict[str, int] = {}
    started = time.monotonic()
    with LocalBackend.start(data_dir=tempfile.mkdtemp(), startup_timeout=300) as backend:
        for run in range(runs):
            email = f"exit-{run}-{time.time_ns()}@example.com"
            token = backend.dev_token(email, claims={"email": email})
            env = {**os.environ, "URL": backend.url, "TOKEN": token}
            done = subprocess.run(
                [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=120
            )
            if done.returncode != 0 or "Retarting subscription" in done.stderr:
                key = f"exit {done.returncode}"
                bad[key] = bad.get(key, 0) + 1
    load = os.getloadavg()[0]
    print("| runs | bad | by exit code | seconds | load average |")
    print("|---:|---:|---|---:|---:|")
    detail = ", ".join(f"{key}: {count}" for key, count in sorted(bad.items())) or "-"
    total = sum(bad.values())
    print(f"| {runs} | {total} | {detail} | {time.monotonic() - started:.0f} | {load:.1f} |")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100)
