"""Page addresses reversed once per process. Django's `reverse` walks the URL patterns at
every call (20 µs); a page links to the same few dozen places, a case page to 40. The
addresses depend only on what the key holds (the name, its text and number arguments, the
application, the script prefix and the URL configuration), so nothing kept can go stale:
an argument of another type (a model instance, whose text may change) is reversed anew."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf
from django.urls import reverse as django_reverse

_PLAIN = (str, int)


def reverse(
    viewname: str, args: Any = None, kwargs: dict[str, Any] | None = None, current_app: str | None = None
) -> str:
    values = tuple(args or ())
    named = tuple(sorted((kwargs or {}).items()))
    if not isinstance(viewname, str) or not all(type(v) in _PLAIN for v in (*values, *(v for _, v in named))):
        return django_reverse(viewname, args=args, kwargs=kwargs, current_app=current_app)
    return _reversed(
        viewname, values, named, current_app, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF
    )


@lru_cache(maxsize=8192)
def _reversed(
    viewname: str,
    args: tuple[Any, ...],
    kwargs: tuple[tuple[str, Any], ...],
    current_app: str | None,
    prefix: str,
    urlconf: Any,
) -> str:
    return django_reverse(viewname, urlconf=urlconf, args=args, kwargs=dict(kwargs), current_app=current_app)
