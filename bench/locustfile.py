"""The mixed workload of `bench/bench_capacity.py` (locust, headless, loopback only).

Customers (MPOCs) list and open their cases in the portal, staff work the console queue
and case pages, an integration lists cases through the API, and visitors read the public
status page. Each user is given one of the web processes in `CAPACITY_HOSTS` in turn, so
several processes share the load as a proxy would spread it. No think time: each user sends
its next request when the last one is answered (a closed loop), so the figures are what the
processes answer at that concurrency.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import time
from typing import Any

from locust import FastHttpUser, constant, events, task

HOSTS = itertools.cycle(os.environ.get("CAPACITY_HOSTS", "http://127.0.0.1:8001").split(","))
PASSWORD = "demo-pass-2026"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# Figures are kept once every user has logged in and read its first page (password hashing
# costs far more than a page), until locust stops; then written as JSON to CAPACITY_OUT, and
# CAPACITY_OUT.ready is made when counting starts (the bench reads the CPU from then on).
USERS = int(os.environ.get("CAPACITY_USERS", "1"))
READY = {"users": 0, "at": 0.0}
SAMPLES: dict[str, list[float]] = {}
FAILURES = {"count": 0}


def _user_ready() -> None:
    READY["users"] += 1
    if READY["users"] == USERS:
        READY["at"] = time.monotonic()
        out = os.environ.get("CAPACITY_OUT")
        if out:
            open(f"{out}.ready", "w").close()


@events.request.add_listener
def _record(name: str, response_time: float, exception: Any = None, **_: Any) -> None:
    if name == "login" or not READY["at"]:
        return
    if exception is not None:
        FAILURES["count"] += 1
    SAMPLES.setdefault(name, []).append(response_time)


@events.quitting.add_listener
def _write(environment: Any, **_: Any) -> None:
    out = os.environ.get("CAPACITY_OUT")
    if out:
        with open(out, "w") as f:
            json.dump({"seconds": time.monotonic() - READY["at"], "samples": SAMPLES, **FAILURES}, f)


class Desk(FastHttpUser):
    abstract = True
    wait_time = constant(0)
    login_as = ""

    def __init__(self, environment):
        self.host = next(HOSTS)
        super().__init__(environment)

    def on_start(self) -> None:
        if self.login_as:
            page = self.client.get("/login/", name="login")
            token = CSRF.search(page.text or "")
            self.client.post(
                "/login/",
                data={"csrfmiddlewaretoken": token.group(1) if token else "", "username": self.login_as,
                      "password": PASSWORD},
                name="login",
                allow_redirects=False,
            )  # fmt: skip
        self.cases = [m for m in re.findall(r"/cases/(CS-\d+)/", self.first_page()) if m] or ["CS-000001"]
        _user_ready()

    def first_page(self) -> str:
        return ""


class Customer(Desk):
    weight = 3
    login_as = "dana@acme.example.com"

    def first_page(self) -> str:
        return self.client.get("/portal/", name="portal: case list").text or ""

    @task(3)
    def case_list(self) -> None:
        self.client.get("/portal/", name="portal: case list")

    @task(2)
    def case_page(self) -> None:
        self.client.get(f"/portal/cases/{self.cases[0]}/", name="portal: case page")


class Staff(Desk):
    weight = 3
    login_as = "marcus@support.example.com"

    def first_page(self) -> str:
        return self.client.get("/console/queue/open/", name="console: queue").text or ""

    @task(3)
    def queue(self) -> None:
        self.client.get("/console/queue/open/", name="console: queue")

    @task(2)
    def case_page(self) -> None:
        self.client.get(f"/console/cases/{self.cases[0]}/", name="console: case page")


class Integration(Desk):
    weight = 1

    def on_start(self) -> None:
        self.headers = {"Authorization": f"Bearer {os.environ.get('CAPACITY_API_TOKEN', '')}"}
        _user_ready()

    @task
    def cases(self) -> None:
        self.client.get("/api/v1/cases", headers=self.headers, name="api: cases")


class Visitor(Desk):
    weight = 1

    def on_start(self) -> None:
        _user_ready()

    @task
    def status(self) -> None:
        self.client.get("/status/", name="status page")
