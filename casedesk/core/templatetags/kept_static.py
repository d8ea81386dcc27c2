"""Django's `static` library, with each file's address worked out once per process: the
manifest storage hashes and looks up every name at every `{% static %}` (a dozen a page).
The address depends only on the name and the static settings, which are in the key.
A builtin of the template engine: our templates do not `{% load static %}`, which would
put Django's own tag back."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django import template
from django.conf import settings
from django.templatetags.static import StaticNode, do_static, get_media_prefix, get_static_prefix

register = template.Library()
register.tag("get_static_prefix", get_static_prefix)
register.tag("get_media_prefix", get_media_prefix)


class KeptStaticNode(StaticNode):
    def url(self, context: Any) -> str:
        path = self.path.resolve(context)
        if not isinstance(path, str):
            return str(self.handle_simple(path))
        storage = repr(getattr(settings, "STORAGES", {}).get("staticfiles"))
        return _address(path, settings.STATIC_URL, storage, settings.DEBUG)


@lru_cache(maxsize=1024)
def _address(path: str, static_url: Any, storage: str, debug: bool) -> str:
    return str(StaticNode.handle_simple(path))


@register.tag("static")
def static(parser: Any, token: Any) -> KeptStaticNode:
    node = do_static(parser, token)
    node.__class__ = KeptStaticNode
    return node  # type: ignore[return-value]
