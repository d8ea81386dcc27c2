"""The suite runs on the desk's own settings with a key of its own: outside DEBUG the desk
refuses to start without a real SECRET_KEY."""

import os

os.environ.setdefault("SECRET_KEY", "suite-only-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ")

from config.settings import *  # noqa: F403

# Most tests need no shared cache; tests/security/test_rate_limits.py runs the limits on the
# database cache and on Redis.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
