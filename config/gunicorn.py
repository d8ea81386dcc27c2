"""gunicorn for the web processes: `gunicorn config.asgi:application -c config/gunicorn.py`.

Pages, API and static files (WhiteNoise) through the ASGI app in uvicorn workers. The
workers of one gunicorn share a Prometheus directory, so any of them answers /metrics for
all; it is emptied when gunicorn starts and a dead worker's figures are merged.
"""

import os
import shutil
from pathlib import Path

bind = os.environ.get("GUNICORN_BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "config.workers.Worker"
# A worker that stops answering is replaced; a slow request is not cut short before this.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 20
keepalive = 5
# Restart workers now and then, so a slow leak can never grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = max_requests // 10
accesslog = "-" if os.environ.get("GUNICORN_ACCESS_LOG", "").lower() in {"1", "true", "yes"} else None
errorlog = "-"
proc_name = "casedesk-web"
# No control socket: several gunicorns on one machine would share its one default path.
control_socket_disable = True


def on_starting(server):
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        shutil.rmtree(directory, ignore_errors=True)
        Path(directory).mkdir(parents=True, exist_ok=True)


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
