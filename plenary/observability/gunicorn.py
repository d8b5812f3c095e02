"""gunicorn's configuration hooks for per-host metrics (``--config
python:plenary.observability.gunicorn``, as docker-compose.yml's web runs it).

With ``PROMETHEUS_MULTIPROC_DIR`` set, each gunicorn worker writes its request
series to files in that directory and any worker answers /metrics with the sum
(plenary/observability/scrape.py).  prometheus-client asks for two things of the
server: the directory emptied before the workers start (a restart would otherwise
add the previous run's counts), and a dead worker's live gauges marked dead.
Without the variable both hooks do nothing.  No Django here: gunicorn reads this
module before it loads the application.
"""

import os
import shutil
from pathlib import Path

from prometheus_client import multiprocess


def on_starting(server) -> None:
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        return
    path = Path(directory)
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)


def child_exit(server, worker) -> None:
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return
    multiprocess.mark_process_dead(worker.pid)
