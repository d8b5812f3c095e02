"""Benchmark: what an attachment's upload and download cost in storage, local disk
against an S3-compatible bucket (moto_server), in the same run (not run in CI).

    .venv/bin/python bench/storage.py [--rounds 30]

For files of 100 KB, 1 MB and 5 MB, it times, interleaved round-robin so that
a busy machine slows both alike:

* save: ``storage.save`` of the file (what ``attachments_store`` does per file);
* read: ``storage.open`` and reading every byte through ``FileResponse``'s
  block size (what the download view streams), plus the close.

The bucket is moto's server on this machine (HTTP on the loopback, no network
latency or TLS): a real service adds its round trips.  Prints medians and p95
in milliseconds; asserts nothing about time.
"""

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SIZES = {"100 KB": 100 * 1024, "1 MB": 1024 * 1024, "5 MB": 5 * 1024 * 1024}
BLOCK = 4096  # FileResponse.block_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plenary.settings")
    import django

    django.setup()
    from django.core.files.base import ContentFile
    from django.core.files.storage import FileSystemStorage
    from django.utils.module_loading import import_string

    from tests.s3_server import MotoServer, s3_storage_settings

    server = MotoServer().start()
    folder = tempfile.mkdtemp(prefix="plenary-bench-storage-")
    try:
        bucket = server.new_bucket("plenary-bench")
        entry = s3_storage_settings(server, bucket)
        storages = {
            "local disk": FileSystemStorage(location=folder),
            "s3 (moto)": import_string(entry["BACKEND"])(**entry["OPTIONS"]),
        }
        times: dict[tuple[str, str, str], list[float]] = {}
        for label, size in SIZES.items():
            data = os.urandom(size)
            for _round in range(args.rounds):
                for kind, storage in storages.items():
                    start = time.perf_counter()
                    name = storage.save("attachments/bench/file", ContentFile(data))
                    saved = time.perf_counter()
                    with storage.open(name, "rb") as handle:
                        read = sum(iter(lambda h=handle: len(h.read(BLOCK)), 0))
                    done = time.perf_counter()
                    assert read == size
                    times.setdefault((label, kind, "save"), []).append((saved - start) * 1000)
                    times.setdefault((label, kind, "read"), []).append((done - saved) * 1000)
                    storage.delete(name)
        out = io.StringIO()
        out.write(f"{args.rounds} rounds each; ms (median / p95)\n")
        out.write(f"{'size':8} {'storage':12} {'save':>16} {'read':>16}\n")
        for label in SIZES:
            for kind in storages:
                cells = []
                for step in ("save", "read"):
                    values = sorted(times[(label, kind, step)])
                    p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
                    cells.append(f"{statistics.median(values):7.1f} / {p95:6.1f}")
                out.write(f"{label:8} {kind:12} {cells[0]:>16} {cells[1]:>16}\n")
        print(out.getvalue(), end="")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
