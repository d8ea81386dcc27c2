"""A parser process that misbehaves on command, for the sandbox's tests: a message with
`X-Test-Parser: kill` kills its process (as the kernel's out-of-memory killer would),
`hog` asks for 2 GiB, `hang` never answers, `crash` dereferences a null pointer. Any other
message is parsed as usual."""

from __future__ import annotations

import ctypes
import os
import signal
import time

from casedesk.mime import parse, worker


def misbehaving(raw: bytes) -> parse.ParsedMessage:
    if b"X-Test-Parser: kill" in raw:
        os.kill(os.getpid(), signal.SIGKILL)
    if b"X-Test-Parser: hog" in raw:
        hoard = bytearray(2 * 1024**3)
        del hoard
    if b"X-Test-Parser: hang" in raw:
        time.sleep(3600)
    if b"X-Test-Parser: crash" in raw:
        ctypes.string_at(0)
    return parse.parse(raw)


if __name__ == "__main__":
    worker.serve(misbehaving)
