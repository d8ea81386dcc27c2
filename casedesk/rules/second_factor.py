"""Who must sign in with a second factor, when a session must show it again, and the
forms recovery codes and session descriptions take.

Pure Python: no Django. The requirement follows what a staff member may reach, not only
the name of their role: administrators, billing, and anyone whose abilities include a
sensitive one (administering the site, billing, customer proprietary network information).
The rule takes ability *names*, so an ability added later (`cpni`, `cpni_export`, ...) is
covered the day it is added, without a change here.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

ADMINISTRATOR = "administrator"
BILLING = "billing"
# Roles that must use a second factor whatever their abilities say (an administrator who
# trimmed their own role's abilities still holds the keys to the admin).
ROLES = frozenset({ADMINISTRATOR, BILLING})
# Abilities that reach money, customers' network information or the site itself.
SENSITIVE_ABILITIES = frozenset({"administer", "billing_cases", "see_billing"})
# Customer proprietary network information (CPNI, 47 U.S.C. 222): any ability so named.
CPNI_PREFIX = "cpni"

RECOVERY_CODES = 10  # single-use codes made at enrolment and on each regeneration
RECOVERY_CODE_LENGTH = 10  # base32 characters (50 bits), shown as two groups of five
USER_AGENT_MAX = 300  # characters of a browser's User-Agent kept with a session


def is_sensitive(ability: str) -> bool:
    name = ability.strip().lower()
    return name in SENSITIVE_ABILITIES or name.startswith(CPNI_PREFIX)


def must_have_second_factor(*, staff: bool, superuser: bool, role: str, abilities: Iterable[str]) -> bool:
    """Whether a person must sign in with a second factor: staff who are superusers,
    administrators or billing, or who hold a sensitive ability. Customers never must (they
    may choose to)."""
    if not staff:
        return False
    if superuser or role in ROLES:
        return True
    return any(is_sensitive(str(a)) for a in abilities)


def verification_fresh(verified_at: float | None, now: float, max_age_seconds: float) -> bool:
    """Whether a second factor shown at `verified_at` (epoch seconds) still stands for a
    sensitive change at `now`: within `max_age_seconds`, and never from the future (a clock
    set back must not make an old proof young)."""
    if verified_at is None:
        return False
    age = now - verified_at
    return 0 <= age <= max_age_seconds


def normalise_code(text: str) -> str:
    """A typed code as stored: without spaces, dashes and case (authenticator apps and
    printed recovery sheets group digits and letters)."""
    return re.sub(r"[\s\-_.]", "", unicodedata.normalize("NFKC", text or "")).lower()[:64]


def looks_like_totp(code: str, digits: int = 6) -> bool:
    return len(code) == digits and code.isdigit()


def looks_like_recovery_code(code: str) -> bool:
    return len(code) == RECOVERY_CODE_LENGTH and re.fullmatch(r"[a-z2-7]+", code) is not None


def show_recovery_code(code: str) -> str:
    """A recovery code as printed: two groups of five, easier to copy by hand."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


def bounded_user_agent(value: str) -> str:
    """A User-Agent fit to keep: printable characters only, at most `USER_AGENT_MAX`."""
    printable = "".join(ch for ch in (value or "") if ch.isprintable())
    return " ".join(printable.split())[:USER_AGENT_MAX]


_BROWSERS = (
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Safari/", "Safari"),
    ("curl/", "curl"),
)
_SYSTEMS = (
    ("Windows", "Windows"),
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def describe_user_agent(value: str) -> str:
    """A short name for a session's browser ("Chrome on Linux"), or "Unknown browser"."""
    browser = next((name for token, name in _BROWSERS if token in value), "")
    system = next((name for token, name in _SYSTEMS if token in value), "")
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or "Unknown browser"
