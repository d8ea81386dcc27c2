"""What an erasure reaches beyond this app's layer. The apps that keep a person's data and
sit above privacy (the received e-mail in `mail`) register a function here when they load;
an erasure calls each inside its transaction, so either all of it happens or none."""

from __future__ import annotations

from collections.abc import Callable, Sequence

# (the address erased, the ids of the contacts erased) -> how many of their rows were erased.
Eraser = Callable[[str, Sequence[int]], int]
_ERASERS: dict[str, Eraser] = {}


def register(name: str, eraser: Eraser) -> None:
    """Idempotent: an app's `ready()` may run more than once."""
    _ERASERS[name] = eraser


def run_all(address: str, contact_ids: Sequence[int]) -> dict[str, int]:
    return {name: eraser(address, contact_ids) for name, eraser in sorted(_ERASERS.items())}
