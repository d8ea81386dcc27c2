"""The CSV import's background work on a real Celery worker (Redis broker), its own
process and database: the upload queues the preview, the worker runs it, the confirmation
queues the apply, the worker applies it."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = r"""
import json, sys, time
from django.core.files.uploadedfile import SimpleUploadedFile
from casedesk.accounts.models import Organisation
from casedesk.inventory import jobs
from casedesk.inventory.models import ImportJob, Item
from tests.factories import customer

def wait(job, status):
    for _ in range(600):  # a real worker in another process: up to 60 s
        job.refresh_from_db()
        if job.status not in ("queued", "previewing", "applying"):
            break
        time.sleep(0.1)
    return job.status

org = Organisation.objects.create(name="Worker Org", account_number="W-1")
mpoc = customer(org)
csv = b"kind,number,service_address\nnumber,+1 303 555 0100,1 Main St\nnumber,555,x\n"
job = jobs.start_import(mpoc, org, SimpleUploadedFile("a.csv", csv), source="portal")
first = wait(job, "previewed")
errors = job.errors
good = b"kind,number,service_address\nnumber,+1 303 555 0100,1 Main St\n"
job = jobs.start_import(mpoc, org, SimpleUploadedFile("b.csv", good), source="portal")
wait(job, "previewed")
jobs.confirm_import(mpoc, job)
final = wait(job, "applied")
print(json.dumps([first, errors, final, Item.objects.filter(organisation=org).count()]))
"""


def redis_up() -> bool:
    import socket

    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
        return True
    except OSError:
        return False


@pytest.mark.skipif(not redis_up(), reason="needs Redis on 127.0.0.1:6379")
def test_preview_and_apply_run_on_a_celery_worker(tmp_path):
    db = random.randint(8, 15)
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "CASEDESK_VAR_DIR": str(tmp_path),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "CELERY_BROKER_URL": f"redis://127.0.0.1:6379/{db}",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SECRET_KEY": "worker-test-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ",
    }
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    celery = shutil.which("celery", path=str(Path(sys.executable).parent))
    worker = subprocess.Popen(
        [celery, "-A", "config", "worker", "--pool=solo", "--concurrency=1", "--loglevel=WARNING"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        out = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", SCRIPT],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
            timeout=240,
        ).stdout
    finally:
        worker.terminate()
        worker.wait(30)
        import redis

        redis.Redis(db=db).flushdb()
    first, errors, final, items = json.loads(out.strip().splitlines()[-1])
    assert (first, errors) == ("previewed", 1)
    assert (final, items) == ("applied", 1)
