"""A real S3-compatible server for tests and benchmarks: moto's server mode.

``MotoServer`` starts ``moto_server`` (from the ``moto[server]`` package) as a
subprocess on a free port, in its own process group, and waits until it
answers.  The code under test talks to it over HTTP through boto3, as it would
to AWS, MinIO or any S3-compatible service: nothing is patched in-process.

``s3_storage_settings`` gives the ``STORAGES["default"]`` entry that
``PLENARY_MEDIA_STORAGE=s3`` builds (plenary/settings.py), for one bucket;
``s3_environment`` gives the same as environment variables, for processes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import boto3
import urllib3

from plenary.media_storage import media_storage
from tests.smtp_sink import free_port
from tests.waiting import wait_until

ACCESS_KEY = "plenary-test"
SECRET_KEY = "plenary-test-secret"  # moto accepts any key pair
REGION = "us-east-1"


class MotoServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self.log = Path(tempfile.mkstemp(prefix="plenary-moto-", suffix=".log")[1])

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> MotoServer:
        command = Path(sys.executable).with_name("moto_server")
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(
                [str(command), "-H", "127.0.0.1", "-p", str(self.port)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        http = urllib3.PoolManager(retries=False, timeout=1.0)

        def answers() -> bool:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"moto_server exited: {self.log.read_text(errors='replace')}")
            try:
                return http.request("GET", f"{self.endpoint}/moto-api/").status == 200
            except urllib3.exceptions.HTTPError:
                return False

        wait_until(answers, timeout=30, interval=0.1, message="moto_server answering")
        return self

    def client(self):
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
        )

    def new_bucket(self, prefix: str = "plenary-test") -> str:
        name = f"{prefix}-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        return name

    def objects(self, bucket: str) -> dict[str, bytes]:
        """Every object of ``bucket``: key → bytes."""
        client = self.client()
        found: dict[str, bytes] = {}
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for item in page.get("Contents", []):
                found[item["Key"]] = client.get_object(Bucket=bucket, Key=item["Key"])[
                    "Body"
                ].read()
        return found

    def drop_bucket(self, bucket: str) -> None:
        client = self.client()
        for key in self.objects(bucket):
            client.delete_object(Bucket=bucket, Key=key)
        client.delete_bucket(Bucket=bucket)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self.proc = None
        self.log.unlink(missing_ok=True)


def s3_environment(server: MotoServer, bucket: str) -> dict[str, str]:
    """The variables an operator sets for media on S3 (docs/OPERATIONS.md)."""
    return {
        "PLENARY_MEDIA_STORAGE": "s3",
        "AWS_S3_ENDPOINT_URL": server.endpoint,
        "AWS_STORAGE_BUCKET_NAME": bucket,
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_S3_REGION_NAME": REGION,
    }


def s3_storage_settings(server: MotoServer, bucket: str) -> dict:
    """``STORAGES["default"]`` as plenary/settings.py builds it from ``s3_environment``."""
    return media_storage(s3_environment(server, bucket))
