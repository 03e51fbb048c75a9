"""Shared fixtures: the shipped graph built once per session into a scratch state folder."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from rolegraph.build import build
from rolegraph.engine import Engine
from rolegraph.snapshot import Snapshot
from rolegraph.sources import PARTS, shipped_tree

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def state_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("state")


@pytest.fixture(scope="session")
def snapshot(state_dir: Path) -> Snapshot:
    return build(None, state_dir).snapshot


@pytest.fixture(scope="session")
def engine(snapshot: Snapshot) -> Engine:
    return Engine.from_snapshot(snapshot)


@pytest.fixture
def tree_copy(tmp_path: Path) -> Callable[[], Path]:
    """A writable copy of the shipped source tree, for tests that break it on purpose."""

    def make() -> Path:
        root = tmp_path / "tree"
        for part in PARTS:
            shutil.copytree(shipped_tree().root / part, root / part)
        return root

    return make
