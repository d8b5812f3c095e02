"""Fixtures for operations tests: a real S3-compatible server (moto_server) for the run,
and a fresh bucket per test that becomes the default storage (tests/s3_server.py)."""

from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.s3_server import MotoServer, s3_storage_settings


@pytest.fixture(scope="session")
def moto_server():
    server = MotoServer().start()
    yield server
    server.stop()


@dataclass
class Bucket:
    server: MotoServer
    name: str
    media_root: Path

    def objects(self) -> dict[str, bytes]:
        return self.server.objects(self.name)

    def local_files(self) -> list[Path]:
        root = self.media_root
        return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def s3(moto_server, settings, tmp_path):
    """Media on a new bucket, as PLENARY_MEDIA_STORAGE=s3 configures it; MEDIA_ROOT is an
    empty directory that must stay empty."""
    bucket = moto_server.new_bucket()
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {**settings.STORAGES, "default": s3_storage_settings(moto_server, bucket)}
    yield Bucket(moto_server, bucket, Path(settings.MEDIA_ROOT))
    moto_server.drop_bucket(bucket)
