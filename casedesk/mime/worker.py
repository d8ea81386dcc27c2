"""The parser's own process: reads messages from its standard input, answers with what
`parse.parse` made of each on its standard output, within an address-space limit.

Started by `sandbox` as `python -I -c ... --memory BYTES`. Frames both ways are an 8-byte
big-endian length and that many bytes: in, a raw message; out, a pickled
`(kind, value)`: ("ready", None) once, then per message ("parsed", ParsedMessage) or
("unreadable", reason), or ("exhausted", reason) when memory ran out, after which the
process ends (the sandbox starts another).
"""

from __future__ import annotations

import argparse
import os
import pickle
import resource
import struct
import sys
from collections.abc import Callable
from typing import Any, BinaryIO

from casedesk.mime import parse

HEADER = struct.Struct(">Q")


def _read(stream: BinaryIO, size: int) -> bytes | None:
    chunks, left = [], size
    while left:
        chunk = stream.read(left)
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _send(out: BinaryIO, kind: str, value: Any) -> None:
    data = pickle.dumps((kind, value), protocol=pickle.HIGHEST_PROTOCOL)
    out.write(HEADER.pack(len(data)))
    out.write(data)
    out.flush()


def limit_memory(limit: int) -> None:
    """Cap the address space (so an allocation past it fails with MemoryError instead of
    swapping the machine) and forbid core dumps of untrusted content."""
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def serve(read: Callable[[bytes], parse.ParsedMessage] = parse.parse) -> None:
    """Answer messages until standard input closes (the sandbox, or the process that
    started it, went away)."""
    options = argparse.ArgumentParser()
    options.add_argument("--memory", type=int, required=True)
    args = options.parse_args()
    # The answers own the real standard output; a stray print goes to standard error.
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    source = sys.stdin.buffer
    limit_memory(args.memory)
    _send(out, "ready", None)
    while True:
        header = _read(source, HEADER.size)
        if header is None:
            return
        raw = _read(source, HEADER.unpack(header)[0])
        if raw is None:
            return
        try:
            _send(out, "parsed", read(raw))
        except parse.Unparseable as exc:
            _send(out, "unreadable", str(exc))
        except MemoryError:
            _send(out, "exhausted", f"the parser ran out of memory (limit {args.memory // 2**20} MiB)")
            return
        except RecursionError:
            _send(out, "unreadable", "the message is nested too deeply to read")
        except Exception as exc:
            _send(out, "unreadable", f"the parser failed: {type(exc).__name__}: {exc}"[:500])
        del raw


if __name__ == "__main__":
    serve()
