"""`LocalBackend`: the embedded Convex-compatible backend as a child process.

It finds the project (a directory holding `local-backend/` and `convex/`), installs
the Node dependencies and builds `local-backend/dist` when they are missing or stale,
starts `node local-backend/dist/main.js ... --exit-with-parent` and waits for its
READY line (docs/architecture.md, "Local backend process contract").

No process is left behind: `stop()` sends SIGTERM and kills after a grace period;
a backend that is garbage-collected or still running at interpreter exit is stopped
the same way; and if Python dies without running any of that, the server sees its
stdin close and exits by itself.
"""

from __future__ import annotations

import collections
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any, TypeVar

import httpx

from ._base_client import TimeoutTypes, TransportName
from ._bundled_project import bundled_project
from ._client import AsyncDoctrina, Doctrina
from ._constants import CLIENT_HEADER_VALUE, DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT
from ._exceptions import LocalBackendError
from ._logs import logger

__all__ = ["LocalBackend", "find_project_root"]

READY_PREFIX = "DOCTRINA_BACKEND_READY "
STOP_GRACE_SECONDS = 5.0
# SIGKILL cannot be refused: a process still there after this is stuck in the kernel.
KILL_WAIT_SECONDS = 5.0
# Installing and building, waiting for another process doing it included, ends within this.
SETUP_TIMEOUT_SECONDS = 900.0
_STDERR_LINES_KEPT = 60
# How often a snapshot export/import is polled for progress, and how long it may take.
_SNAPSHOT_POLL_SECONDS = 0.2
SNAPSHOT_TIMEOUT_SECONDS = 3600.0
# `<data_dir>/holder.json`: pid and URL of the server holding the directory's lock.
HOLDER_FILE = "holder.json"

SnapshotProgress = Callable[[dict[str, Any]], None]

ClientT = TypeVar("ClientT", Doctrina, AsyncDoctrina)


def _is_project_root(path: Path) -> bool:
    return (path / "local-backend").is_dir() and (path / "convex").is_dir()


def find_project_root(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The project: ``explicit``, ``$DOCTRINA_PROJECT_ROOT``, the cwd or a parent, the checkout
    the package runs from, or the one an installed wheel carries (`_bundled_project`)."""
    for given in (explicit, os.environ.get("DOCTRINA_PROJECT_ROOT") or None):
        if given is not None:
            root = Path(given).resolve()
            if not _is_project_root(root):
                raise LocalBackendError(f"{root} is not a Doctrina project (no local-backend/ and convex/)")
            return root
    for start in (Path.cwd(), Path(__file__).resolve().parent):
        for candidate in (start, *start.parents):
            if _is_project_root(candidate):
                return candidate
    bundled = bundled_project()
    if bundled is not None:
        return bundled
    raise LocalBackendError(
        "Cannot find the Doctrina project (a directory with local-backend/ and convex/): run from inside "
        "it, pass project_root=..., set DOCTRINA_PROJECT_ROOT, or install the built wheel"
    )


@contextlib.contextmanager
def _setup_lock(root: Path, deadline: float) -> Iterator[None]:
    """Serialises installs and builds between processes starting backends at once."""
    lock_dir = root / ".doctrina"
    lock_dir.mkdir(exist_ok=True)
    with open(lock_dir / "setup.lock", "w") as handle:
        if sys.platform != "win32":
            import fcntl

            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise LocalBackendError(
                            f"Another process held {handle.name} (installing or building the local "
                            "backend) for too long"
                        ) from None
                    time.sleep(0.1)
        yield


def _run_setup_step(args: list[str], root: Path, what: str, deadline: float) -> None:
    logger.info("local backend: %s", what)
    # A session of its own, so a step cut short is killed with its children (npm's scripts).
    step = subprocess.Popen(
        args,
        cwd=root,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = step.communicate(timeout=max(deadline - time.monotonic(), 0.0))
    except BaseException as exc:
        _kill_session(step)
        if isinstance(exc, subprocess.TimeoutExpired):
            raise LocalBackendError(f"{what} did not finish in time: {' '.join(args)}") from None
        raise
    if step.returncode != 0:
        output = (stdout + stderr).strip()[-4000:]
        raise LocalBackendError(f"{what} failed (exit {step.returncode}): {' '.join(args)}\n{output}")


def _kill_session(process: subprocess.Popen[str]) -> None:
    """SIGKILL to ``process`` and everything it started (it leads its own session)."""
    if sys.platform == "win32":
        process.kill()
    else:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    _reap(process)


def _reap(process: subprocess.Popen[str]) -> None:
    """Waits (bounded) for a killed ``process`` and closes our ends of its pipes."""
    try:
        process.wait(KILL_WAIT_SECONDS)
    except subprocess.TimeoutExpired:
        logger.warning("local backend: pid %d still there after SIGKILL", process.pid)
    for stream in (process.stdin, process.stdout, process.stderr):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()


def _newest_mtime(paths: list[Path]) -> float:
    newest = 0.0
    for path in paths:
        files = path.rglob("*") if path.is_dir() else [path]
        for file in files:
            if file.is_file():
                newest = max(newest, file.stat().st_mtime)
    return newest


def prepare(root: Path, *, node: str, timeout: float = SETUP_TIMEOUT_SECONDS) -> Path:
    """``npm ci`` on first use and a build when ``dist`` is missing or older than its sources."""
    main = root / "local-backend" / "dist" / "main.js"
    deadline = time.monotonic() + timeout
    with _setup_lock(root, deadline):
        if not (root / "node_modules").is_dir():
            npm = shutil.which("npm")
            if npm is None:
                raise LocalBackendError("npm is needed once to install the local backend's dependencies")
            _run_setup_step(
                [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], root, "npm ci", deadline
            )
        sources = [
            root / "local-backend" / "src",
            root / "local-backend" / "build.mjs",
            root / "package-lock.json",
        ]
        if not main.is_file() or main.stat().st_mtime < _newest_mtime(sources):
            build = [node, str(root / "local-backend" / "build.mjs")]
            _run_setup_step(build, root, "build local-backend", deadline)
    return main


class _Output:
    """Drains the server's stdout and stderr (a full pipe would block it) and spots READY."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.ready = threading.Event()
        self.info: dict[str, Any] = {}
        self.stderr_tail: collections.deque[str] = collections.deque(maxlen=_STDERR_LINES_KEPT)
        if process.stdout is None or process.stderr is None:
            raise LocalBackendError("The local backend's output is not piped")
        self._threads = [
            threading.Thread(target=self._read_stdout, args=(process.stdout,), daemon=True),
            threading.Thread(target=self._read_stderr, args=(process.stderr,), daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def _read_stdout(self, stream: IO[str]) -> None:
        for line in stream:
            line = line.rstrip("\n")
            if line.startswith(READY_PREFIX) and not self.ready.is_set():
                with contextlib.suppress(ValueError):
                    self.info = json.loads(line[len(READY_PREFIX) :])
                self.ready.set()
            else:
                logger.debug("local backend: %s", line)

    def _read_stderr(self, stream: IO[str]) -> None:
        for line in stream:
            self.stderr_tail.append(line.rstrip("\n"))
            logger.debug("local backend stderr: %s", line.rstrip("\n"))

    def join(self) -> None:
        for thread in self._threads:
            thread.join(timeout=2)

    def stderr_text(self) -> str:
        return "\n".join(self.stderr_tail) or "(no output)"


def _error_message(response: httpx.Response) -> str:
    """``CODE: message`` of a refused request's ``{code, message}`` body (its text otherwise)."""
    try:
        body = response.json()
        return f"{body['code']}: {body['message']}"
    except (ValueError, KeyError, TypeError):
        return f"HTTP {response.status_code} {response.text}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _terminate(process: subprocess.Popen[str], grace: float = STOP_GRACE_SECONDS) -> None:
    """SIGTERM, then SIGKILL after ``grace`` seconds; closes our ends of the pipes."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            process.kill()
    _reap(process)


class LocalBackend:
    """A running local backend (or one attached to), and clients for it.

    ``with LocalBackend.start(data_dir=".doctrina/demo") as backend:`` starts one and
    stops it at the end of the block; ``backend.client()`` is a service client,
    ``backend.client(as_user=user_id)`` acts as a user, ``backend.client(anonymous=True)``
    has no credentials.
    """

    def __init__(
        self,
        *,
        url: str,
        admin_key: str,
        data_dir: Path,
        site_url: str | None = None,
        process: subprocess.Popen[str] | None = None,
        output: _Output | None = None,
    ) -> None:
        self._url = url
        self._site_url = site_url
        self._admin_key = admin_key
        self._data_dir = data_dir
        self._process = process
        self._output = output
        # Sync clients handed out by `client()`, closed by `stop()` so the tour's
        # `service = backend.client()` leaves no open connection behind.
        self._clients: weakref.WeakSet[Doctrina] = weakref.WeakSet()
        # Stops the server if this object is collected, or at interpreter exit.
        self._finalizer = weakref.finalize(self, _terminate, process) if process is not None else None

    @classmethod
    def start(
        cls,
        *,
        data_dir: str | os.PathLike[str] = ".doctrina/local",
        port: int | None = None,
        site_port: int | None = None,
        env: Mapping[str, str] | None = None,
        project_root: str | os.PathLike[str] | None = None,
        publish_env: str | os.PathLike[str] | None = None,
        startup_timeout: float = 60.0,
        node: str = "node",
        attach: bool = False,
    ) -> LocalBackend:
        """Starts a backend keeping its data in ``data_dir``; ``port=None`` picks a free loopback port.

        HTTP actions (``convex/http.ts``) are served at `site_url`, on ``site_port`` (None: a free
        one). ``env`` sets deployment environment variables (``process.env`` in functions) before
        this returns, as ``npx convex env set`` does; they are kept in the data directory.
        One server per data directory: a second start fails naming the running one (pid, URL).
        With ``attach=True`` a server already running on ``data_dir`` is attached to instead.
        """
        if attach:
            running = cls._running_on(Path(data_dir).resolve())
            if running is not None:
                if env:
                    running.set_env(env)
                return running
        root = find_project_root(project_root)
        if shutil.which(node) is None:
            raise LocalBackendError(f"{node!r} not found: the local backend needs Node.js 20 or newer")
        main = prepare(root, node=node)
        directory = Path(data_dir).resolve()
        directory.mkdir(parents=True, exist_ok=True)
        command = [
            node,
            str(main),
            "--data-dir",
            str(directory),
            "--port",
            str(port or 0),
            "--site-port",
            str(site_port or 0),
            "--functions",
            str(root / "convex"),
            "--exit-with-parent",
        ]
        if publish_env is not None:
            command += ["--publish-env", str(Path(publish_env).resolve())]
        logger.debug("local backend: starting %s", " ".join(command))
        process = subprocess.Popen(
            command,
            cwd=root,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        output = _Output(process)
        try:
            info = cls._await_ready(process, output, startup_timeout)
            admin_key = Path(info["adminKeyFile"]).read_text().strip()
            backend = cls(
                url=info["url"],
                admin_key=admin_key,
                data_dir=directory,
                site_url=info.get("siteUrl"),
                process=process,
                output=output,
            )
            backend._check_health(startup_timeout)
            if env:
                backend.set_env(env)
        except BaseException:
            _terminate(process)
            output.join()
            # A refused start (e.g. the data directory is held) must not leak its pipes.
            for stream in (process.stdin, process.stdout, process.stderr):
                if stream is not None:
                    stream.close()
            raise
        logger.info("local backend: %s (data in %s, pid %d)", backend.url, directory, process.pid)
        return backend

    @classmethod
    def attach(
        cls, *, url: str, data_dir: str | os.PathLike[str], site_url: str | None = None
    ) -> LocalBackend:
        """A backend someone else started (e.g. ``doctrina dev``): its key is read from ``data_dir``."""
        directory = Path(data_dir).resolve()
        key_file = directory / "admin_key"
        try:
            admin_key = key_file.read_text().strip()
        except OSError as exc:
            raise LocalBackendError(f"Cannot read the admin key of {url}: {exc}") from None
        site = None if site_url is None else site_url.rstrip("/")
        backend = cls(url=url.rstrip("/"), admin_key=admin_key, data_dir=directory, site_url=site)
        backend._check_health(10.0)
        return backend

    @classmethod
    def _running_on(cls, directory: Path) -> LocalBackend | None:
        """The healthy server holding ``directory``, if its holder file names one."""
        try:
            holder = json.loads((directory / HOLDER_FILE).read_text())
        except (OSError, ValueError):
            return None
        url = holder.get("url") if isinstance(holder, dict) else None
        pid = holder.get("pid") if isinstance(holder, dict) else None
        if not isinstance(url, str) or not isinstance(pid, int) or not _alive(pid):
            return None  # left behind by a server that was killed
        site_url = holder.get("siteUrl")
        try:
            return cls.attach(
                url=url, data_dir=directory, site_url=site_url if isinstance(site_url, str) else None
            )
        except LocalBackendError:
            return None

    @staticmethod
    def _await_ready(process: subprocess.Popen[str], output: _Output, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while not output.ready.wait(0.05):
            if process.poll() is not None:
                output.join()
                raise LocalBackendError(
                    f"The local backend exited with code {process.returncode} before it was ready:\n"
                    f"{output.stderr_text()}"
                )
            if time.monotonic() > deadline:
                raise LocalBackendError(
                    f"The local backend was not ready after {timeout:.0f}s:\n{output.stderr_text()}"
                )
        if "url" not in output.info or "adminKeyFile" not in output.info:
            raise LocalBackendError(f"Unreadable READY line from the local backend: {output.info!r}")
        return output.info

    def _check_health(self, timeout: float) -> None:
        try:
            response = httpx.get(
                f"{self._url}/version", headers={"Convex-Client": CLIENT_HEADER_VALUE}, timeout=timeout
            )
            name = response.json().get("name")
        except (httpx.HTTPError, ValueError, AttributeError) as exc:
            raise LocalBackendError(f"The local backend at {self._url} is not healthy: {exc}") from None
        if response.status_code != 200 or name != "doctrina-local-backend":
            raise LocalBackendError(
                f"{self._url} is not a Doctrina local backend (GET /version: {response.text})"
            )

    @property
    def url(self) -> str:
        return self._url

    @property
    def site_url(self) -> str:
        """Where HTTP actions are served (Convex's ``CONVEX_SITE_URL``): ``f"{site_url}/stripe/webhook"``."""
        if self._site_url is None:
            raise LocalBackendError(
                f"The site URL of {self._url} is unknown: attach with site_url=..., or use {self._url}/http"
            )
        return self._site_url

    def set_env(self, env: Mapping[str, str | None]) -> None:
        """Sets (``None``: removes) deployment environment variables, as ``npx convex env set`` does.

        Checked all together with Convex's rules (names, sizes, counts): one bad entry changes nothing.
        Calls that start afterwards see the new values.
        """
        changes = [{"name": name, "value": value} for name, value in env.items()]
        response = httpx.post(
            f"{self._url}/api/update_environment_variables",
            json={"changes": changes},
            headers={"Authorization": f"Convex {self._admin_key}", "Convex-Client": CLIENT_HEADER_VALUE},
            timeout=30.0,
        )
        if response.status_code != 200:
            raise LocalBackendError(f"Setting environment variables failed: {_error_message(response)}")

    @property
    def admin_key(self) -> str:
        """The deployment admin key (kept out of reprs and logs)."""
        return self._admin_key

    @property
    def data_dir(self) -> Path:
        return self._data_dir

    @property
    def pid(self) -> int | None:
        """The server's process id; None when attached to a backend started elsewhere."""
        return None if self._process is None else self._process.pid

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def __repr__(self) -> str:
        return (
            f"LocalBackend(url={self._url!r}, site_url={self._site_url!r}, "
            f"data_dir={str(self._data_dir)!r}, pid={self.pid})"
        )

    def client(
        self,
        *,
        as_user: str | None = None,
        anonymous: bool = False,
        timeout: TimeoutTypes | None = None,
        max_retries: int | None = None,
        transport: TransportName = "http",
    ) -> Doctrina:
        """A client of this backend: the service, the service acting as ``as_user``, or anonymous."""
        client = self._new_client(Doctrina, as_user, anonymous, timeout, max_retries, transport)
        self._clients.add(client)
        return client if as_user is None else client.acting_as(as_user)

    def async_client(
        self,
        *,
        as_user: str | None = None,
        anonymous: bool = False,
        timeout: TimeoutTypes | None = None,
        max_retries: int | None = None,
        transport: TransportName = "http",
    ) -> AsyncDoctrina:
        """The async twin of `client`."""
        client = self._new_client(AsyncDoctrina, as_user, anonymous, timeout, max_retries, transport)
        return client if as_user is None else client.acting_as(as_user)

    def _new_client(
        self,
        cls: type[ClientT],
        as_user: str | None,
        anonymous: bool,
        timeout: TimeoutTypes | None,
        max_retries: int | None,
        transport: TransportName,
    ) -> ClientT:
        """The root client `client`/`async_client` hand out (or derive ``as_user`` from)."""
        if anonymous and as_user is not None:
            raise ValueError("anonymous=True and as_user=... exclude each other")
        return cls(
            url=self._url,
            admin_key=None if anonymous else self._admin_key,
            timeout=DEFAULT_TIMEOUT if timeout is None else timeout,
            max_retries=DEFAULT_MAX_RETRIES if max_retries is None else max_retries,
            transport=transport,
        )

    def dev_token(
        self, subject: str, *, claims: dict[str, Any] | None = None, expires_in: float = 3600
    ) -> str:
        """A JWT for ``subject`` from the backend's development issuer (``https://dev.doctrina.local``)."""
        response = httpx.post(
            f"{self._url}/_doctrina/dev_token",
            json={"subject": subject, "claims": claims or {}, "expiresInSeconds": expires_in},
            headers={"Authorization": f"Convex {self._admin_key}", "Convex-Client": CLIENT_HEADER_VALUE},
            timeout=10.0,
        )
        if response.status_code != 200:
            raise LocalBackendError(
                f"Minting a development token failed: HTTP {response.status_code} {response.text}"
            )
        return str(response.json()["token"])

    def export_snapshot(
        self,
        path: str | os.PathLike[str],
        *,
        on_progress: SnapshotProgress | None = None,
        timeout: float = SNAPSHOT_TIMEOUT_SECONDS,
    ) -> dict[str, Any]:
        """Writes the data to ``path`` as an ``npx convex export`` ZIP; returns its counts."""
        body = {"operation": "export", "path": str(Path(path).resolve())}
        return self._snapshot_job(body, on_progress, timeout)

    def import_snapshot(
        self,
        path: str | os.PathLike[str],
        replace: bool = False,
        *,
        append: bool = False,
        on_progress: SnapshotProgress | None = None,
        timeout: float = SNAPSHOT_TIMEOUT_SECONDS,
    ) -> dict[str, Any]:
        """Loads an ``npx convex export`` ZIP, all or nothing; returns ``{tables, documents, deleted}``.

        By default every imported table must be empty; ``replace=True`` replaces their
        documents, ``append=True`` adds to them. A bad document raises `LocalBackendError`
        naming its file, row and field, and nothing is written.
        """
        if replace and append:
            raise ValueError("replace=True and append=True exclude each other")
        mode = "replace" if replace else "append" if append else "requireEmpty"
        body = {"operation": "import", "path": str(Path(path).resolve()), "mode": mode}
        return self._snapshot_job(body, on_progress, timeout)

    def _snapshot_job(
        self, body: dict[str, str], on_progress: SnapshotProgress | None, timeout: float
    ) -> dict[str, Any]:
        operation = body["operation"]
        deadline = time.monotonic() + timeout
        try:
            result = self._run_snapshot_job(body, on_progress, deadline)
        except httpx.TransportError as exc:
            # A server busy past the deadline, or gone: one error naming the operation, not httpx's.
            raise LocalBackendError(
                f"Snapshot {operation} failed: the local backend did not answer ({type(exc).__name__})"
            ) from exc
        if result is None:
            raise LocalBackendError(f"Snapshot {operation} did not finish within {timeout:.0f}s")
        return result

    def _run_snapshot_job(
        self, body: dict[str, str], on_progress: SnapshotProgress | None, deadline: float
    ) -> dict[str, Any] | None:
        """The job's result, or None when ``deadline`` passed first."""
        headers = {"Authorization": f"Convex {self._admin_key}", "Convex-Client": CLIENT_HEADER_VALUE}

        def remaining() -> float:
            # Each request may wait as long as the job may: a busy server answers late, not never.
            return max(deadline - time.monotonic(), 1.0)

        with httpx.Client(base_url=self._url, headers=headers) as http:
            started = http.post("/_doctrina/snapshot", json=body, timeout=remaining())
            if started.status_code != 200:
                raise LocalBackendError(f"Snapshot {body['operation']} refused: {started.text}")
            job_id = started.json()["jobId"]
            while time.monotonic() < deadline:
                polled = http.get("/_doctrina/snapshot", params={"job": job_id}, timeout=remaining())
                if polled.status_code != 200:
                    raise LocalBackendError(f"Snapshot {body['operation']} was lost: {polled.text}")
                job: dict[str, Any] = polled.json()
                if on_progress is not None:
                    on_progress(job)
                if job["state"] == "done":
                    return dict(job["result"])
                if job["state"] == "failed":
                    raise LocalBackendError(str(job["error"]))
                time.sleep(_SNAPSHOT_POLL_SECONDS)
        return None

    def stop(self, *, timeout: float = STOP_GRACE_SECONDS) -> None:
        """Closes the sync clients from `client()` and stops the server (SIGTERM, then SIGKILL
        after ``timeout`` seconds). Idempotent. Async clients are yours to close."""
        for client in list(self._clients):
            client.close()
        process = self._process
        if process is None:
            return
        _terminate(process, timeout)
        if self._finalizer is not None:
            self._finalizer.detach()
        if self._output is not None:
            self._output.join()
        logger.debug("local backend: stopped (exit code %s)", process.returncode)

    def wait(self) -> int:
        """Blocks until the server exits (``doctrina dev``); returns its exit code."""
        if self._process is None:
            raise LocalBackendError(
                "This backend was attached to, not started: there is no process to wait for"
            )
        return self._process.wait()

    def __enter__(self) -> LocalBackend:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
