"""Parsing received messages in their own process, never in the caller's.

A message that slips past the limits (`limits`) may still take the parser's process down:
memory, time, a crash. So the caller (the web server, the SMTP listener, the IMAP poller,
the sweeps) hands the raw bytes to a worker process (`worker`) started with an
address-space limit, and waits for each answer no longer than a time limit. A worker that
runs out of memory, dies or overruns is killed and replaced, and that message alone is
unreadable, with the reason (`ParserStopped` when it died or overran); the others of its
batch are read by the next worker.

Workers are kept between calls (starting one costs tens of milliseconds; a message costs
a pipe round trip), one per thread that uses the sandbox at the same time. Answers are
unpickled by an unpickler that builds only the plain data of `casedesk.mime` (and dates):
the child's output is not trusted either.
"""

from __future__ import annotations

import collections
import io
import os
import pickle
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from casedesk.mime.limits import Unparseable
from casedesk.mime.parse import ParsedMessage
from casedesk.mime.worker import HEADER

ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 30.0
KEEP_IDLE = 4  # workers kept for later calls; more threads at once start their own
# A message handed over ahead (`Sandbox.begin`) must fit the pipe, so that writing it never
# waits on a worker that is itself waiting to write its answer.
AHEAD_BYTES = 48 * 1024
# A batch of at least PARALLEL_FROM messages is read by PARALLEL workers at once (a second
# worker costs its start-up once, and is then kept).
PARALLEL = 2
PARALLEL_FROM = 8
QUEUED = 8  # messages handed to one worker of a parallel read ahead of its answers


class Unavailable(Exception):
    """No worker could be started: a fault of this machine, not of any message."""


class ParserStopped(Unparseable):
    """The parser's process died or overran its time on the message. Unlike a refusal by
    the limits, or memory running out under the process's own limit, this may be the
    machine's doing (another process starved it, the kernel killed it): worth another try."""


class _Answers(pickle.Unpickler):
    """Builds the parse's plain values and nothing else."""

    ALLOWED = frozenset({("datetime", "datetime"), ("datetime", "timezone"), ("datetime", "timedelta")})

    def find_class(self, module: str, name: str) -> Any:
        if module.startswith("casedesk.mime.") or (module, name) in self.ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not a value a parse returns")


def _signal_name(code: int) -> str:
    try:
        return signal.Signals(-code).name
    except ValueError:
        return f"signal {-code}"


class _Worker:
    def __init__(self, entry: str, memory: int) -> None:
        code = (
            f"import sys, runpy; sys.path.insert(0, {str(ROOT)!r}); "
            f"runpy.run_module({entry!r}, run_name='__main__')"
        )
        self.memory = memory
        self.pid_of_owner = os.getpid()
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-I", "-c", code, "--memory", str(memory)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            bufsize=0,
            cwd=ROOT,
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self.stdin = self.process.stdin
        self.stdout = self.process.stdout.fileno()
        self.buffer = bytearray()
        kind, _ = self._answer(time.monotonic() + STARTUP_SECONDS)
        if kind != "ready":
            self.stop()
            raise Unavailable(f"the parser process did not start ({kind})")

    def alive(self) -> bool:
        return self.process.poll() is None and self.pid_of_owner == os.getpid()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self.stdin.close()
        assert self.process.stdout is not None
        self.process.stdout.close()

    def read(self, raw: bytes, seconds: float) -> tuple[str, Any]:
        """("parsed", ParsedMessage) or ("unreadable" | "exhausted" | "died" | "overran", reason)."""
        try:
            if len(raw) < 1 << 20:  # one write, so one wake-up of the worker
                self._write(HEADER.pack(len(raw)) + raw)
            else:
                self._write(HEADER.pack(len(raw)))
                self._write(raw)
        except (BrokenPipeError, ValueError):
            return self._died()
        return self._answer(time.monotonic() + seconds, seconds)

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[self.stdin.write(view) or 0 :]

    def _answer(self, deadline: float, seconds: float = STARTUP_SECONDS) -> tuple[str, Any]:
        header = self._take(HEADER.size, deadline)
        if header is None:
            return self._ended(deadline, seconds)
        body = self._take(HEADER.unpack(header)[0], deadline)
        if body is None:
            return self._ended(deadline, seconds)
        try:
            answer = _Answers(io.BytesIO(body)).load()
        except Exception as exc:
            answer = exc
        if not (isinstance(answer, tuple) and len(answer) == 2 and isinstance(answer[0], str)):
            self.stop()
            return "died", f"the parser answered what it may not ({answer!r:.200})"
        return answer[0], answer[1]

    def _take(self, size: int, deadline: float) -> bytes | None:
        """`size` bytes of the answer (reading ahead what is already there), or None when
        the worker ended or the deadline passed first."""
        while len(self.buffer) < size:
            # Past the deadline, what the worker has already written still counts: a caller
            # that was busy meanwhile (`Sandbox.begin`) is no fault of the worker's.
            wait = max(0.0, deadline - time.monotonic())
            if not select.select([self.stdout], [], [], wait)[0]:
                return None
            chunk = os.read(self.stdout, max(size - len(self.buffer), 1 << 16))
            if not chunk:
                return None
            self.buffer += chunk
        taken = bytes(self.buffer[:size])
        del self.buffer[:size]
        return taken

    def _ended(self, deadline: float, seconds: float) -> tuple[str, str]:
        if self.process.poll() is None and time.monotonic() >= deadline:
            self.stop()
            return "overran", f"reading it took longer than {seconds:g} s; the parser was stopped"
        return self._died()

    def _died(self) -> tuple[str, str]:
        self.stop()
        code = self.process.returncode
        if code == -signal.SIGKILL:
            return "died", "the parser process was killed (SIGKILL, as when it runs out of memory)"
        if code is not None and code < 0:
            return "died", f"the parser process crashed ({_signal_name(code)})"
        return "died", f"the parser process ended (exit status {code})"


class _Lane:
    """A worker of a parallel read and the messages handed to it, not yet answered."""

    def __init__(self, worker: _Worker | None) -> None:
        self.worker = worker
        self.queue: collections.deque[tuple[int, float, int]] = collections.deque()  # index, sent at, size
        self.bytes = 0
        self.answered = 0.0  # when its last answer was taken

    def reset(self) -> None:
        """Its worker is gone: a new one is started when it is next given a message."""
        self.worker = None
        self.queue.clear()
        self.bytes = 0


class Sandbox:
    """Parses messages in worker processes limited to `memory` bytes of address space
    and `seconds` per message. Safe to share between threads."""

    def __init__(self, *, seconds: float, memory: int, entry: str = "casedesk.mime.worker") -> None:
        self.seconds = seconds
        self.memory = memory
        self.entry = entry
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()

    def parse_many(self, raws: Sequence[bytes]) -> list[ParsedMessage | Unparseable]:
        """What each message reads as, in order: its parse, or why it cannot be read. Many
        messages are read by `PARALLEL` workers at once, each given a few ahead (no more
        than its input pipe holds, so no write waits on one: `_parse_parallel`)."""
        if len(raws) >= PARALLEL_FROM:
            return self._parse_parallel(raws)
        if not raws:
            return []
        out: list[ParsedMessage | Unparseable] = []
        worker: _Worker | None = self._checkout()
        try:
            for raw in raws:
                if worker is None:
                    worker = self._start()
                kind, value = worker.read(raw, self.seconds)
                if kind == "parsed" and isinstance(value, ParsedMessage):
                    out.append(value)
                    continue
                stopped = kind in ("died", "overran")
                out.append(ParserStopped(str(value)) if stopped else Unparseable(str(value)))
                if kind != "unreadable":  # the worker is gone or spent: the next gets a new one
                    worker.stop()
                    worker = None
        except BaseException:
            if worker is not None:
                worker.stop()
            raise
        if worker is not None:
            self._checkin(worker)
        return out

    def _parse_parallel(self, raws: Sequence[bytes]) -> list[ParsedMessage | Unparseable]:
        """Each worker is given up to `QUEUED` messages ahead, no more bytes than its input
        pipe holds (so no write ever waits on it), and answers them in order: a caller that
        is slow to hand out the next (another thread holding the interpreter) leaves no
        worker idle. A message's time runs from when the worker could start it: its
        hand-over, or the answer to the one before it. The messages queued behind one that
        stopped its worker go to the next worker."""
        out: list[ParsedMessage | Unparseable | None] = [None] * len(raws)
        lanes = [_Lane(self._checkout()) for _ in range(PARALLEL)]
        pending = collections.deque(range(len(raws)))
        order: collections.deque[tuple[int, _Lane]] = collections.deque()  # in flight, oldest first
        try:
            while pending or order:
                self._hand_out(raws, pending, lanes, order, out)
                if not order:
                    continue
                index, lane = order.popleft()
                worker = lane.worker
                assert worker is not None
                head, sent_at, size = lane.queue.popleft()
                assert head == index
                lane.bytes -= size
                kind, value = worker._answer(max(sent_at, lane.answered) + self.seconds, self.seconds)
                lane.answered = time.monotonic()
                out[index] = self._settle(worker, kind, value, keep=False)
                if not worker.alive():  # stopped: the messages behind go to the next worker
                    behind = [queued for queued, _, _ in lane.queue]
                    pending.extendleft(reversed(behind))
                    order = collections.deque(item for item in order if item[1] is not lane)
                    lane.reset()
        except BaseException:
            for lane in lanes:
                if lane.worker is not None:
                    lane.worker.stop()
            raise
        for lane in lanes:
            if lane.worker is not None:
                self._checkin(lane.worker)
        return [found for found in out if found is not None]

    def _hand_out(
        self,
        raws: Sequence[bytes],
        pending: collections.deque[int],
        lanes: list[_Lane],
        order: collections.deque[tuple[int, _Lane]],
        out: list[ParsedMessage | Unparseable | None],
    ) -> None:
        """Give the workers the next messages, in turn, as far as each may take them."""
        given = True
        while pending and given:
            given = False
            for lane in lanes:
                if not pending:
                    break
                index = pending[0]
                size = HEADER.size + len(raws[index])
                if lane.queue and (len(lane.queue) >= QUEUED or lane.bytes + size > AHEAD_BYTES):
                    continue
                if lane.worker is None:
                    lane.worker = self._start()
                pending.popleft()
                sent_at = time.monotonic()
                try:
                    lane.worker._write(HEADER.pack(len(raws[index])) + raws[index])
                except (BrokenPipeError, ValueError):
                    if lane.queue:  # it died on one it has: that one's answer says so
                        pending.appendleft(index)
                        continue
                    out[index] = self._settle(lane.worker, *lane.worker._died(), keep=False)
                    lane.reset()
                    given = True
                    continue
                if not lane.queue:
                    lane.answered = sent_at
                lane.queue.append((index, sent_at, size))
                lane.bytes += size
                order.append((index, lane))
                given = True

    def warm(self) -> None:
        """Start a worker now (if none is idle), to be kept for the first message."""
        worker = self._checkout() or self._start()
        self._checkin(worker)

    def begin(self, raw: bytes) -> Pending | None:
        """Hand one small message to a worker now and return at once: the caller does other
        work (storing it) while it is read, then takes the answer (`Pending.result`). The
        time limit counts from now. None when the message is too big to hand over ahead."""
        if len(raw) + HEADER.size > AHEAD_BYTES:
            return None
        worker = self._checkout() or self._start()
        sent_at = time.monotonic()
        try:
            worker._write(HEADER.pack(len(raw)) + raw)
        except (BrokenPipeError, ValueError):
            worker.stop()
            return None
        return Pending(self, worker, sent_at)

    def _settle(
        self, worker: _Worker, kind: str, value: Any, *, keep: bool = True
    ) -> ParsedMessage | Unparseable:
        """The answer as a result; the worker checked in (`keep`) while it is fit for more,
        stopped otherwise."""
        if kind == "parsed" and isinstance(value, ParsedMessage):
            if keep:
                self._checkin(worker)
            return value
        if kind == "unreadable":
            if keep:
                self._checkin(worker)
            return Unparseable(str(value))
        worker.stop()
        return ParserStopped(str(value)) if kind in ("died", "overran") else Unparseable(str(value))

    def parse(self, raw: bytes) -> ParsedMessage:
        """One message's parse; raises Unparseable with the reason."""
        found = self.parse_many([raw])[0]
        if isinstance(found, Unparseable):
            raise found
        return found

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for worker in idle:
            if worker.pid_of_owner == os.getpid():
                worker.stop()

    def _start(self) -> _Worker:
        try:
            return _Worker(self.entry, self.memory)
        except OSError as exc:
            raise Unavailable(f"the parser process could not be started: {exc}") from exc

    def _checkout(self) -> _Worker | None:
        with self._lock:
            while self._idle:
                worker = self._idle.pop()
                if worker.alive():
                    return worker
                if worker.pid_of_owner == os.getpid():
                    worker.stop()
        return None

    def _checkin(self, worker: _Worker) -> None:
        with self._lock:
            if len(self._idle) < KEEP_IDLE and worker.alive():
                self._idle.append(worker)
                return
        worker.stop()


class Pending:
    """A message a worker is reading (`Sandbox.begin`): its answer is taken once."""

    def __init__(self, sandbox: Sandbox, worker: _Worker, sent_at: float) -> None:
        self.sandbox = sandbox
        self.worker: _Worker | None = worker
        self.sent_at = sent_at

    def result(self) -> ParsedMessage | Unparseable:
        worker, self.worker = self.worker, None
        if worker is None:
            raise RuntimeError("the answer was taken already")
        try:
            kind, value = worker._answer(self.sent_at + self.sandbox.seconds, self.sandbox.seconds)
        except BaseException:
            worker.stop()
            raise
        return self.sandbox._settle(worker, kind, value)

    def close(self) -> None:
        """Give up on the answer (if not taken): the worker, in the middle of it, is stopped."""
        worker, self.worker = self.worker, None
        if worker is not None:
            worker.stop()
