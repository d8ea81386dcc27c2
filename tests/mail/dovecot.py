"""A private Debian dovecot (IMAP) on 127.0.0.1 for tests: own config, own directories."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from tests.mail.smtp_sink import free_port

CONFIG = """
base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = dovenull
default_internal_user = dovecot
first_valid_uid = 8
mail_location = maildir:{d}/mail/%u
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/users
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {d}/users
}}
"""


class Dovecot:
    user = "support"
    password = "imap-test-pass"

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="casedesk-dovecot-"))
        self.port = free_port()

    def __enter__(self) -> Dovecot:
        d = self.dir
        os.chmod(d, 0o755)  # noqa: S103 - dovecot's mail user must reach the mail folder
        for sub in ("run", "state", "mail"):
            (d / sub).mkdir()
        shutil.chown(d / "mail", "mail", "mail")
        (d / "users").write_text(f"{self.user}:{{PLAIN}}{self.password}:8:8::{d}/mail/{self.user}::\n")
        (d / "dovecot.conf").write_text(CONFIG.format(d=d, port=self.port))
        subprocess.run(["dovecot", "-c", str(d / "dovecot.conf")], check=True)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return self
            time.sleep(0.05)
        raise RuntimeError(f"dovecot did not start: {(d / 'dovecot.log').read_text()}")

    def __exit__(self, *exc: object) -> None:
        pid_file = self.dir / "run" / "master.pid"
        if pid_file.exists():
            pid = int(pid_file.read_text().strip())
            os.kill(pid, signal.SIGTERM)
            for _ in range(100):
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.05)
        shutil.rmtree(self.dir, ignore_errors=True)
