"""Where media (attachments, stored reports) live: the local disk or an S3 bucket.

``PLENARY_MEDIA_STORAGE=s3`` selects django-storages' ``S3Storage``, configured
by django-storages' own variables (``AWS_STORAGE_BUCKET_NAME``,
``AWS_S3_ENDPOINT_URL``, ``AWS_S3_REGION_NAME``, ``AWS_ACCESS_KEY_ID``,
``AWS_SECRET_ACCESS_KEY``); unset or ``local``, files go under ``MEDIA_ROOT``.
Every read and write goes through Django's storage API, so web processes and
workers share no disk (docs/OPERATIONS.md).  Read by plenary/settings.py and by
the tests, which build the same entry for their own bucket.
"""

from collections.abc import Mapping
from typing import Any

BACKENDS = {
    "local": "django.core.files.storage.FileSystemStorage",
    "s3": "storages.backends.s3.S3Storage",
}


def media_storage(environ: Mapping[str, str]) -> dict[str, Any]:
    """``STORAGES["default"]`` for these variables.

    A name not in ``BACKENDS`` and a missing bucket are refused by the system
    checks plenary.E020 and plenary.E021 (plenary/checks.py), with the fix.
    """
    chosen = environ.get("PLENARY_MEDIA_STORAGE", "") or "local"
    if chosen != "s3":
        return {"BACKEND": BACKENDS["local"]}
    return {
        "BACKEND": BACKENDS["s3"],
        "OPTIONS": {
            "bucket_name": environ.get("AWS_STORAGE_BUCKET_NAME", ""),
            # Unset: AWS itself; set for MinIO, Ceph, Garage or a cloud's S3-compatible service.
            "endpoint_url": environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": environ.get("AWS_S3_REGION_NAME") or None,
            # Unset: boto3's own chain (instance role, ~/.aws, web identity).
            "access_key": environ.get("AWS_ACCESS_KEY_ID") or None,
            "secret_key": environ.get("AWS_SECRET_ACCESS_KEY") or None,
            # Objects are private and never overwritten (a second file of the
            # same name gets a new name).  Nothing links to them: the views
            # serve files after their access check, so url() could only sign a
            # short-lived link.
            "default_acl": "private",
            "file_overwrite": False,
            "querystring_auth": True,
            "querystring_expire": 300,
            # A file a process reads is spooled to a local temporary file past
            # this size rather than held whole in memory.
            "max_memory_size": int(
                environ.get("PLENARY_S3_MAX_MEMORY_BYTES", "") or 5 * 1024 * 1024
            ),
        },
    }
