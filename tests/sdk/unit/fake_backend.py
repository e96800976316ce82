"""A stand-in for `node local-backend/dist/main.js`: the process contract, nothing else.

Run as ``fake_backend.py main.js --data-dir D --port P ... [--exit-with-parent]``.
``FAKE_BACKEND_MODE`` picks a misbehaviour: ``crash``, ``silent`` (never ready),
``stubborn`` (ignores SIGTERM).
"""

from __future__ import annotations

import http.server
import json
import os
import signal
import sys
import threading
import time
from pathlib import Path


class Version(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps({"name": "doctrina-local-backend", "version": "fake"}).encode()
        self.send_response(200 if self.path == "/version" else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def main() -> None:
    argv = sys.argv[2:]
    options = {argv[i]: argv[i + 1] for i in range(len(argv) - 1) if argv[i].startswith("--")}
    mode = os.environ.get("FAKE_BACKEND_MODE", "")
    print("starting the fake backend", file=sys.stderr, flush=True)
    if mode == "crash":
        print("fatal: cannot open the data directory", file=sys.stderr, flush=True)
        sys.exit(3)
    if mode == "silent":
        time.sleep(3600)
    data_dir = Path(options["--data-dir"])
    key_file = data_dir / "admin_key"
    if not key_file.exists():
        key_file.write_text("doctrina-local|fake-admin-key\n")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", int(options["--port"])), Version)
    if mode == "stubborn":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    else:
        signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    if "--exit-with-parent" in argv:
        threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
    if "--publish-env" in options:
        Path(options["--publish-env"]).write_text(
            f"CONVEX_SELF_HOSTED_URL=http://127.0.0.1:{server.server_port}\n"
            f"CONVEX_SELF_HOSTED_ADMIN_KEY={key_file.read_text().strip()}\n"
        )
    ready = {
        "url": f"http://127.0.0.1:{server.server_port}",
        "dataDir": str(data_dir),
        "adminKeyFile": str(key_file),
    }
    print("DOCTRINA_BACKEND_READY " + json.dumps(ready), flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
