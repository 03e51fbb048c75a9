"""Rendered artefacts are kept on disk per served version (issue 15): drawn once per version
for all the workers, files written whole, the folder bounded in size, never served across
versions, and a disk that cannot keep them costs only the cache."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from rolegraph.graph.snapshot import Snapshot
from rolegraph.query.artefacts import ArtefactCache
from rolegraph.trainer import pack
from rolegraph.web import SERVED
from rolegraph.web.app import create_app
from rolegraph.web.diagrams import ARTEFACTS, TRAINER

PNG = "/diagrams/model/current.png"


@pytest.fixture
def own_state(snapshot: Snapshot, state_dir: Path, tmp_path: Path) -> Path:
    """A copy of the built state folder, so this test's cache starts empty."""
    copy = tmp_path / "state"
    shutil.copytree(state_dir, copy, ignore=shutil.ignore_patterns("rendered"))
    return copy


def app_over(state: Path, **overrides: object) -> Flask:
    return create_app({"TESTING": True, "STATE_DIR": str(state), "ACCESS_LOG": False,
                       "RATE_LIMIT": 0, **overrides})


@pytest.fixture
def two_apps(own_state: Path) -> Iterator[tuple[Flask, Flask]]:
    """Two instances over one state folder, as two gunicorn workers (or two hosts sharing
    it); the second draws in process (RENDER_TIMEOUT 0) so a drawing can be counted."""
    first, second = app_over(own_state), app_over(own_state, RENDER_TIMEOUT=0)
    yield first, second
    for app in (first, second):
        app.extensions[SERVED].runner.close()


def test_a_second_worker_answers_from_the_disk_without_drawing(
        two_apps: tuple[Flask, Flask], own_state: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = two_apps
    drawn = first.test_client().get(PNG)
    assert drawn.status_code == 200 and drawn.data.startswith(b"\x89PNG")
    files = list((own_state / "rendered").rglob("*.bin"))
    assert len(files) == 1 and files[0].read_bytes() == drawn.data
    inode = files[0].stat().st_ino

    def never(*_: object) -> bytes:
        raise AssertionError("the second worker drew it again")

    monkeypatch.setattr(pack, "diagram_output", never)
    again = second.test_client().get(PNG)
    assert again.status_code == 200 and again.data == drawn.data
    assert second.extensions[ARTEFACTS].hits == 1
    assert files[0].stat().st_ino == inode  # read, not rewritten
    assert not list((own_state / "rendered").rglob(".part-*"))  # no scratch file left


def test_a_new_version_never_answers_with_the_old_file(
        two_apps: tuple[Flask, Flask], own_state: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = two_apps
    old = first.test_client().get(PNG).data
    assert second.test_client().get("/diagrams/model/current.dot").status_code == 200
    outputs = second.extensions[TRAINER]  # as if the served version had changed since
    monkeypatch.setattr(outputs, "version", "a-newer-version")
    monkeypatch.setattr(pack, "diagram_output", lambda *_: b"drawn for the new version")
    new = second.test_client().get(PNG)
    assert new.status_code == 200 and new.data == b"drawn for the new version" != old
    folders = sorted(p.name for p in (own_state / "rendered").iterdir())
    assert any(f.startswith("a-newer-version-") for f in folders) and len(folders) == 2


def test_the_cache_is_bounded_oldest_out(tmp_path: Path) -> None:
    cache = ArtefactCache(tmp_path / "rendered", 3000)
    for n in range(5):
        cache.put("v1", ("drawing", n), bytes([n]) * 1000)
        path = cache.path("v1", ("drawing", n))
        os.utime(path, (1000 + n, 1000 + n))  # a clear order, whatever the clock's grain
    assert cache.get("v1", ("drawing", 0)) is None and cache.get("v1", ("drawing", 1)) is None
    assert cache.get("v1", ("drawing", 4)) == bytes([4]) * 1000
    files = [p for p in (tmp_path / "rendered").rglob("*") if p.is_file()]
    assert sum(p.stat().st_size for p in files) <= 3000 and len(files) == 3
    assert cache.get("v2", ("drawing", 4)) is None  # never across versions


def test_the_code_that_draws_is_part_of_the_folder_name(tmp_path: Path) -> None:
    """An upgrade (or a changed template) never answers with the old code's drawing."""
    old, new = ArtefactCache(tmp_path, 1 << 20, "code1"), ArtefactCache(tmp_path, 1 << 20, "code2")
    old.put("v1", ("k",), b"old drawing")
    assert new.get("v1", ("k",)) is None and old.get("v1", ("k",)) == b"old drawing"


def test_odd_version_names_stay_inside_the_folder(tmp_path: Path) -> None:
    cache = ArtefactCache(tmp_path / "rendered", 1 << 20)
    for version in ("..", "../../etc", "a/b", ""):
        assert cache.path(version, ("k",)).parent.parent == tmp_path / "rendered"


def test_a_cache_folder_that_cannot_be_written_costs_only_the_cache(own_state: Path) -> None:
    (own_state / "rendered").write_text("not a folder")  # every read and write fails
    app = app_over(own_state)
    try:
        answer = app.test_client().get("/diagrams/model/current.svg")
        assert answer.status_code == 200 and b"<svg" in answer.data
    finally:
        app.extensions[SERVED].runner.close()
