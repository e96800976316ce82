"""One server per data directory (an OS lock naming the holder, attach instead of a second
server) and snapshot export/import through `LocalBackend` and `doctrina export/import`."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import httpx
import pytest

from doctrina_sdk import LocalBackend
from doctrina_sdk._cli import main as cli_main
from doctrina_sdk._exceptions import LocalBackendError

from ._server import BackendProcess, running_backend


def _call(backend: BackendProcess, kind: str, path: str, args: dict[str, Any]) -> Any:
    response = httpx.post(
        f"{backend.url}/api/{kind}", json={"path": path, "args": args, "format": "json"}, timeout=30
    )
    body = response.json()
    assert body["status"] == "success", body
    return body["value"]


def _counters_only(snapshot: Path, out: Path, edit: dict[int, tuple[str, str]] | None = None) -> Path:
    """The snapshot without the fixture's cron-written tables; ``edit`` replaces text in rows."""
    with zipfile.ZipFile(snapshot) as archive, zipfile.ZipFile(out, "w") as result:
        for item in archive.namelist():
            if item.split("/")[0] not in ("README.md", "_tables", "counters"):
                continue
            data = archive.read(item)
            if item == "counters/documents.jsonl" and edit:
                lines = data.decode().splitlines()
                for row, (old, new) in edit.items():
                    lines[row - 1] = lines[row - 1].replace(old, new)
                data = ("\n".join(lines) + "\n").encode()
            result.writestr(item, data)
    return out


def test_second_start_is_refused_naming_the_holder_and_attach_joins_it(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with running_backend(data) as first:
        env_file = tmp_path / "second.env"
        with pytest.raises(LocalBackendError) as refused:
            LocalBackend.start(data_dir=data, publish_env=env_file, startup_timeout=60)
        message = str(refused.value)
        assert "is in use by another Doctrina local backend" in message
        assert f"pid {first.proc.pid}" in message
        assert first.url in message
        assert not env_file.exists()
        attached = LocalBackend.start(data_dir=data, attach=True)
        assert attached.url == first.url
        assert attached.pid is None
        _call(first, "mutation", "counter:increment", {"name": "shared", "by": 2})
        attached.stop()
        assert first.proc.poll() is None, "stopping an attached backend must not stop the server"


def test_snapshot_export_import_through_local_backend(tmp_path: Path) -> None:
    with running_backend(tmp_path / "a") as source, running_backend(tmp_path / "b") as target:
        _call(source, "mutation", "counter:increment", {"name": "exported", "by": 4})
        full = tmp_path / "snapshot.zip"
        seen: list[dict[str, Any]] = []
        counts = LocalBackend.attach(url=source.url, data_dir=source.data_dir).export_snapshot(
            full, on_progress=seen.append
        )
        assert counts["documents"] >= 1
        assert seen
        assert seen[-1]["state"] == "done"
        zip_path = _counters_only(full, tmp_path / "counters.zip")
        with zipfile.ZipFile(zip_path) as archive:
            tables = [json.loads(line) for line in archive.read("_tables/documents.jsonl").splitlines()]
        assert {"name": "counters", "id": 10001} in tables
        destination = LocalBackend.attach(url=target.url, data_dir=target.data_dir)
        assert destination.import_snapshot(zip_path)["documents"] == 1
        assert _call(target, "query", "counter:get", {"name": "exported"}) == 4
        with pytest.raises(LocalBackendError, match="Table counters already exists"):
            destination.import_snapshot(zip_path)
        assert destination.import_snapshot(zip_path, replace=True)["documents"] == 1
        assert _call(target, "query", "counter:get", {"name": "exported"}) == 4


def test_a_bad_snapshot_is_refused_whole(tmp_path: Path) -> None:
    bad = tmp_path / "bad.zip"
    with running_backend(tmp_path / "a") as source:
        _call(source, "mutation", "counter:increment", {"name": "one"})
        _call(source, "mutation", "counter:increment", {"name": "two"})
        good = tmp_path / "good.zip"
        LocalBackend.attach(url=source.url, data_dir=source.data_dir).export_snapshot(good)
    _counters_only(good, bad, edit={2: ('"value":1.0', '"value":"one"')})
    with running_backend(tmp_path / "b") as target:
        backend = LocalBackend.attach(url=target.url, data_dir=target.data_dir)
        with pytest.raises(LocalBackendError) as refused:
            backend.import_snapshot(bad)
        assert "counters/documents.jsonl, row 2" in str(refused.value)
        assert "Path: .value" in str(refused.value)
        assert _call(target, "query", "counter:list", {}) == []


def test_doctrina_export_and_import_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with running_backend(tmp_path / "a") as source:
        _call(source, "mutation", "counter:increment", {"name": "cli"})
        zip_path = tmp_path / "cli.zip"
        assert cli_main(["export", str(zip_path), "--data-dir", str(source.data_dir)]) == 0
        assert "Exported " in capsys.readouterr().out
        counters = _counters_only(zip_path, tmp_path / "counters.zip")
        assert cli_main(["import", str(counters), "--replace", "--data-dir", str(source.data_dir)]) == 0
        assert "Imported 1 documents in 1 tables" in capsys.readouterr().out
        assert source.proc.poll() is None
