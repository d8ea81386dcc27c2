"""E-mail intake speed: casedesk against django-helpdesk 2.6.1's get_email.

The same 1,000 messages (by default): half open new cases from 50 MPOCs, half reply to
them (In-Reply-To the original, quoted history included), ingested on the same machine in
the same run, each product on its own fresh SQLite file. django-helpdesk is installed from
PyPI into its own virtualenv under var/bench-mail/ and reads a local mailbox directory.
Only the processing is timed (not start-up or migrations).

"One at a time" is the SMTP listener's intake (`mail.stream`): each message handed over only
once the one before is stored and answered, as one SMTP connection sends them, timed until
all are processed.

On a machine that other work loads, one run of each says little: the products are run in
turn for several rounds (casedesk in batches, casedesk one message at a time, django-helpdesk,
the order rotated every round), so that each ratio compares runs made under the same load.
Prints each product's messages per second (best and median over the rounds), the ratios
of the bests and of the medians, and the SQL statements casedesk sends per message.

    .venv/bin/python bench/bench_mail.py [--messages 1000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
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


def _rate(result: dict) -> float:
    return result["messages"] / result["seconds"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    work = ROOT / "var" / "bench-mail"
    work.mkdir(parents=True, exist_ok=True)
    folder = work / "messages"
    write_messages(folder, args.messages)
    runs = {
        "batches": lambda: run_casedesk(work, folder),
        "one": lambda: run_casedesk(work, folder, "one"),
        "helpdesk": lambda: run_helpdesk(work, folder),
    }
    order = list(runs)
    results: dict[str, list[dict]] = {name: [] for name in runs}
    for round_number in range(args.rounds):
        for name in order[round_number % 3 :] + order[: round_number % 3]:
            results[name].append(runs[name]())
        rates = ", ".join(f"{name} {_rate(results[name][-1]):,.0f}" for name in order)
        print(f"round {round_number + 1}: {rates} msg/s", flush=True)
    rates = {name: [_rate(r) for r in found] for name, found in results.items()}
    best = {name: max(found) for name, found in rates.items()}
    median = {name: statistics.median(found) for name, found in rates.items()}
    ours, one, theirs = results["batches"][-1], results["one"][-1], results["helpdesk"][-1]
    print(f"{args.messages} messages a run, {args.rounds} rounds; msg/s best / median:")
    print(
        f"casedesk in batches    {best['batches']:7,.0f} / {median['batches']:7,.0f}"
        f"  (ingest_email FILE..., the IMAP poller) outcomes {ours['outcomes']}"
    )
    print(
        f"casedesk one at a time {best['one']:7,.0f} / {median['one']:7,.0f}"
        "  (the SMTP listener's intake: each stored and answered before the next is sent)"
    )
    print(
        f"django-helpdesk 2.6.1  {best['helpdesk']:7,.0f} / {median['helpdesk']:7,.0f}"
        f"  tickets {theirs['tickets']}, follow-ups {theirs['followups']},"
        f" left unprocessed {theirs['left_unprocessed']}"
    )
    for name, label in (("batches", "in batches"), ("one", "one at a time")):
        print(
            f"ratio {label}: {best[name] / best['helpdesk']:.1f}x of the bests,"
            f" {median[name] / median['helpdesk']:.1f}x of the medians"
        )
    for name, found in (("batches", ours), ("one", one)):
        per = found["statements"]
        print(f"SQL statements per message ({name}): new {per['new']:.2f}, reply {per['replies']:.2f}")


if __name__ == "__main__":
    main()
