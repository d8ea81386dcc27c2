"""E-mail intake speed: casedesk against django-helpdesk 2.6.1's get_email.

The same 1,000 messages (by default): half open new cases from 50 MPOCs, half reply to
them (In-Reply-To the original, quoted history included), ingested on the same machine in
the same run, each product on its own fresh SQLite file. django-helpdesk is installed from
PyPI into its own virtualenv under var/bench-mail/ and reads a local mailbox directory.
Only the processing is timed (not start-up or migrations). Prints messages per second.

    .venv/bin/python bench/bench_mail.py [--messages 1000]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import venv
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HELPDESK = "django-helpdesk==2.6.1"


def write_messages(folder: Path, count: int) -> None:
    """`count` messages: count/2 new ones from 50 contacts, then a reply to each."""
    new, replies = folder / "new", folder / "replies"
    for path in (new, replies):
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)
    half = count // 2
    when = format_datetime(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    for i in range(half):
        sender = f"Contact {i % 50} <c{i % 50}@bench.example.com>"
        first_id = f"<bench-{i}@client.example.net>"
        body = f"Hello,\n\nsite {i} lost its SIP trunk at 08:55; calls fail with a fast busy.\nPlease help.\n"
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = sender, "support@example.com", f"Trunk down at site {i}"
        msg["Date"], msg["Message-ID"] = when, first_id
        msg.set_content(body)
        (new / f"{i:05d}.eml").write_bytes(msg.as_bytes())
        reply = EmailMessage()
        reply["From"], reply["To"], reply["Subject"] = (
            sender,
            "support@example.com",
            f"Re: Trunk down at site {i}",
        )
        reply["Date"], reply["Message-ID"] = when, f"<bench-{i}-r@client.example.net>"
        reply["In-Reply-To"], reply["References"] = first_id, first_id
        quoted = "".join(f"> {line}\n" for line in body.splitlines())
        reply.set_content(f"It is back since 09:20, thanks.\n\nOn Mon, 2 Mar 2026, Contact wrote:\n{quoted}")
        (replies / f"{i:05d}.eml").write_bytes(reply.as_bytes())


# The 50 organisations and their MPOCs that the messages come from (run inside Django).
SEED = """
from casedesk.accounts.models import Contact, Organisation, Platform, Team
team = Team.objects.create(name="Bench team", slug="bench")
platform = Platform.objects.create(code="bench-voice", name="Bench voice", team=team)
for n in range(50):
    org = Organisation.objects.create(name=f"Bench org {n}", account_number=f"B-{n:04d}")
    org.platforms.add(platform)
    Contact.objects.create(
        organisation=org, name=f"Contact {n}", email=f"c{n}@bench.example.com", is_primary_mpoc=True
    )
"""


def casedesk_env(work: Path, name: str) -> dict[str, str]:
    """casedesk on a fresh SQLite file `name` under `work`, quiet, tasks in-process."""
    for path in work.glob(f"{name}.sqlite3*"):
        path.unlink()
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{work / (name + '.sqlite3')}",
        "CASEDESK_VAR_DIR": str(work / f"{name}-var"),
        "MEDIA_ROOT": str(work / f"{name}-media"),
        "CASEDESK_SUPPORT_ADDRESSES": "support@example.com",
        "LOG_LEVEL": "ERROR",
        "CELERY_BROKER_URL": "",
        # Senders are checked (DKIM, DMARC) as in service; the network's DNS is not measured.
        "CASEDESK_MAIL_DNS": "none",
    }


def run_casedesk(work: Path, folder: Path, mode: str = "batch") -> dict:
    env = casedesk_env(work, "casedesk")
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "mail_casedesk.py"), str(folder), mode],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def run_helpdesk(work: Path, folder: Path) -> dict:
    env_dir = work / "helpdesk-venv"
    python = env_dir / "bin" / "python"
    if not python.exists():
        venv.create(env_dir, with_pip=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", HELPDESK], check=True)
    hd_work = work / "helpdesk"
    shutil.rmtree(hd_work, ignore_errors=True)
    hd_work.mkdir()
    out = subprocess.run(
        [str(python), str(ROOT / "bench" / "mail_helpdesk.py"), str(hd_work), str(folder)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1000)
    args = parser.parse_args()
    work = ROOT / "var" / "bench-mail"
    work.mkdir(parents=True, exist_ok=True)
    folder = work / "messages"
    write_messages(folder, args.messages)
    casedesk = run_casedesk(work, folder)
    single = run_casedesk(work, folder, "one")
    helpdesk = run_helpdesk(work, folder)
    ours = casedesk["messages"] / casedesk["seconds"]
    one = single["messages"] / single["seconds"]
    theirs = helpdesk["messages"] / helpdesk["seconds"]
    print(
        f"casedesk        {casedesk['messages']} messages in {casedesk['seconds']:.2f} s: {ours:,.0f} msg/s"
        " (in batches, as ingest_email FILE... and the IMAP poller)"
    )
    print(f"  outcomes: {casedesk['outcomes']}")
    print(
        f"  one at a time {single['messages']} messages in {single['seconds']:.2f} s: {one:,.0f} msg/s"
        " (as the SMTP/LMTP listener)"
    )
    print(
        f"django-helpdesk {helpdesk['messages']} messages in {helpdesk['seconds']:.2f} s: {theirs:,.0f} msg/s"
    )
    tickets, followups, left = helpdesk["tickets"], helpdesk["followups"], helpdesk["left_unprocessed"]
    print(f"  tickets {tickets}, follow-ups {followups}, left unprocessed {left}")
    print(f"ratio: {ours / theirs:.1f}x (one at a time: {one / theirs:.1f}x)")


if __name__ == "__main__":
    main()
