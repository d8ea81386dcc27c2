"""The monthly run: every organisation's invoice finalized and e-mailed once, with the PDF
stored at finalization, however often the run is repeated or wherever it was stopped."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import time_machine
from django.core import mail

from casedesk.billing import run, sweeps
from casedesk.billing.models import Account, Invoice, Run
from casedesk.macd.models import Request, TimeEntry
from casedesk.outbox import delivery
from tests.billing.helpers import world
from tests.factories import aware

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def received() -> dict[str, list[str]]:
    """Recipient -> the SHA-256 of each invoice PDF they received."""
    out: dict[str, list[str]] = {}
    for message in mail.outbox:
        for name, content, mimetype in message.attachments:  # type: ignore[misc]
            assert mimetype == "application/pdf" and name.endswith(".pdf")
            out.setdefault(message.to[0], []).append(hashlib.sha256(content).hexdigest())
    return out


def test_a_repeated_run_sends_each_organisation_one_email_with_the_same_pdf():
    worlds = [world(lines=3) for _ in range(3)]
    Account.objects.create(organisation=worlds[1].org, send_to=Account.SendTo.FINANCIAL)
    with time_machine.travel(aware(2026, 11, 27, 6, 0), tick=False):
        first = run.run("2026-11", source="command")
        delivery.deliver_due()
        second = run.run("2026-11", source="command")
        delivery.deliver_due()
    assert (first.organisations, first.finalized, first.mailed) == (3, 3, 3)
    assert (second.finalized, second.already_done) == (0, 3)
    got = received()
    for w in worlds:
        invoice = Invoice.objects.get(organisation=w.org, period="2026-11")
        fin = w.fin.email.lower()
        assert got[fin] == [invoice.pdf_sha256]
        mpoc = w.mpoc.email.lower()
        assert got.get(mpoc, []) == ([] if w is worlds[1] else [invoice.pdf_sha256])
    assert first.total == sum(i.total for i in Invoice.objects.all())


def test_the_run_reports_failures_with_reasons_and_mails_later():
    w = world(lines=2)
    from casedesk.accounts.models import Contact

    Contact.objects.filter(organisation=w.org).update(is_financial_contact=False, is_primary_mpoc=False)
    with time_machine.travel(aware(2026, 11, 27, 6, 0), tick=False):
        summary = run.run("2026-11", source="command")
    assert summary.failures == [
        {"organisation": w.org.pk, "name": w.org.name, "reason": summary.failures[0]["reason"]}
    ]
    assert "no financial contact" in summary.failures[0]["reason"]
    invoice = Invoice.objects.get(organisation=w.org)
    assert invoice.finalized and invoice.mailed_at is None
    Contact.objects.filter(user=w.fin).update(is_financial_contact=True)
    with time_machine.travel(aware(2026, 11, 28, 6, 0), tick=False):
        again = run.run("2026-11", source="command")
        delivery.deliver_due()
    assert again.failures == [] and again.mailed == 1 and again.finalized == 0
    assert received() == {w.fin.email.lower(): [invoice.pdf_sha256]}


def test_the_sweep_runs_on_the_27th_in_the_provider_time_zone_once():
    world(lines=1)
    # 05:00 UTC on the 27th is still the 26th in Denver.
    assert sweeps.invoice_run(_utc(2026, 11, 27, 5)) is None
    with time_machine.travel(_utc(2026, 11, 27, 8), tick=False):
        done = sweeps.invoice_run(_utc(2026, 11, 27, 8))
        assert done == {"organisations": 1, "finalized": 1, "failed": 0}
        assert sweeps.invoice_run(_utc(2026, 11, 27, 9)) is None
    assert Run.objects.count() == 1


def _utc(*args: int):
    from datetime import UTC, datetime

    return datetime(*args, tzinfo=UTC)


def test_macd_time_is_billed_once_with_its_request():
    from tests.macd.helpers import submit
    from tests.macd.helpers import world as macd_world

    m = macd_world()
    with time_machine.travel(aware(2026, 11, 20, 10, 0), tick=False):
        submit(m.dana)
    request = Request.objects.filter(case__organisation=m.org).first()
    assert request is not None
    request.case.approval = "approved"
    request.case.save(update_fields=["approval"])
    Request.objects.filter(pk=request.pk).update(speed="expedited")
    for minutes in (7, 7):
        TimeEntry.objects.create(
            request=request,
            staff=m.tech,
            minutes=minutes,
            created_at=aware(2026, 11, 21),
            updated_at=aware(2026, 11, 21),
        )
    with time_machine.travel(aware(2026, 11, 27, 6, 0), tick=False):
        run.run("2026-11", source="command")
    invoice = Invoice.objects.get(organisation=m.org)
    lines = {ln.kind: ln for ln in invoice.lines.all()}
    assert lines["provisioning"].amount == 25 and lines["provisioning"].request_id == request.pk
    assert len(lines["provisioning"].time_entry_ids) == 2
    assert lines["expedite"].amount == 150
    assert all(e.invoiced_at and e.invoice_reference == invoice.reference for e in TimeEntry.objects.all())


SETUP = """
from datetime import timedelta
from decimal import Decimal
from django.utils import timezone
from casedesk.accounts.models import Contact, Organisation
from casedesk.inventory.models import Item
now = timezone.now() - timedelta(days=60)
for o in range({orgs}):
    org = Organisation.objects.create(name=f"Org {{o}}", account_number=f"K-{{o:04d}}")
    Contact.objects.create(
        organisation=org, name="Fin", email=f"fin{{o}}@example.com", is_financial_contact=True
    )
    Contact.objects.create(
        organisation=org, name="Mpoc", email=f"mpoc{{o}}@example.com", is_primary_mpoc=True
    )
    Item.objects.bulk_create(
        Item(organisation=org, kind="licence", key=f"teams/p/{{i}}", product="Phone",
             monthly_price=Decimal("9.99"), site=f"Site {{i % 3}}", created_at=now, updated_at=now)
        for i in range(30)
    )
"""

DELIVER = """
import hashlib, json
from django.core import mail
from casedesk.billing.models import Invoice
from casedesk.outbox import delivery
while delivery.deliver_due().get("sent"):
    pass
got = {}
for m in mail.outbox:
    for name, content, mimetype in m.attachments:
        got.setdefault(m.to[0], []).append(hashlib.sha256(content).hexdigest())
stored = {i.organisation.name: i.pdf_sha256 for i in Invoice.objects.select_related("organisation")}
print(json.dumps({"got": got, "stored": stored}))
"""


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )


def test_a_run_killed_half_way_then_run_again_mails_everyone_once(tmp_path):
    orgs = 60
    db = tmp_path / "db.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{db}",
        "CASEDESK_VAR_DIR": str(tmp_path),
        "CELERY_BROKER_URL": "",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    manage(env, "migrate", "-v0")
    manage(env, "shell", "-c", SETUP.format(orgs=orgs))
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "invoice_run", "--period", "2026-11"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    done = 0
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with sqlite3.connect(db, timeout=5) as conn:
                done = conn.execute(
                    "select count(*) from billing_invoice where status='finalized'"
                ).fetchone()[0]
        except sqlite3.OperationalError:
            done = 0
        if done >= 5:
            break
        time.sleep(0.02)
    os.kill(worker.pid, signal.SIGKILL)
    assert worker.wait(10) == -signal.SIGKILL
    with sqlite3.connect(db) as conn:
        done = conn.execute("select count(*) from billing_invoice where status='finalized'").fetchone()[0]
        queued = conn.execute("select count(*) from mail_outboundmessage where kind='invoice'").fetchone()[0]
    assert 5 <= done < orgs, "the run was not stopped half-way"
    assert queued == 2 * done  # each finished organisation's mails, written with its invoice
    summary = json.loads(manage(env, "invoice_run", "--period", "2026-11").stdout.strip().splitlines()[-1])
    assert summary["finalized"] == orgs - done and summary["already_done"] == done
    again = json.loads(manage(env, "invoice_run", "--period", "2026-11").stdout.strip().splitlines()[-1])
    assert again["finalized"] == 0 and again["already_done"] == orgs
    out = json.loads(manage(env, "shell", "-c", DELIVER).stdout.strip().splitlines()[-1])
    got, stored = out["got"], out["stored"]
    assert len(stored) == orgs
    for o in range(orgs):
        assert got[f"fin{o}@example.com"] == [stored[f"Org {o}"]]
        assert got[f"mpoc{o}@example.com"] == [stored[f"Org {o}"]]
    numbers = manage(
        env,
        "shell",
        "-c",
        "from casedesk.billing.models import Invoice as I\n"
        "print(sorted(I.objects.values_list('number', flat=True)))",
    )
    assert numbers.stdout.strip().splitlines()[-1] == str(list(range(1, orgs + 1)))
