"""The desk's own addresses and Message-IDs, as tables."""

from __future__ import annotations

import pytest

from casedesk.rules import mailboxes

OURS = ["support@example.com", "help@desk.example.org"]
DOMAIN = "example.com"
HEX = "0123456789abcdef0123456789abcdef"


@pytest.mark.parametrize(
    ("address", "ours"),
    [
        ("support@example.com", True),
        ("Support@Example.COM", True),
        ("  <support@example.com>  ", True),
        ("support+CS-000123@example.com", True),
        ("SUPPORT+anything@EXAMPLE.com", True),
        ("support+@example.com", True),
        ("support+a+b@example.com", True),
        ("help@desk.example.org", True),
        ("help+x@DESK.example.org", True),
        ("xsupport@example.com", False),
        ("support.team@example.com", False),
        ("support@sub.example.com", False),
        ("support@example.com.evil.net", False),
        ("help@example.com", False),
        ("dana@acme.example.com", False),
        ("support", False),
        ("@example.com", False),
        ("", False),
    ],
)
def test_is_own_address(address, ours):
    assert mailboxes.is_own_address(address, OURS) is ours


def test_no_addresses_of_our_own_means_none_is_ours():
    assert mailboxes.is_own_address("support@example.com", []) is False
    assert mailboxes.is_own_address("support@example.com", [""]) is False


@pytest.mark.parametrize(
    ("value", "ours"),
    [
        (f"<{HEX}@example.com>", True),
        (f"{HEX}@example.com", True),
        (f"<{HEX.upper()}@EXAMPLE.COM>", True),
        (f"  <{HEX}@example.com>  ", True),
        (f"<{HEX}@client.example.net>", False),
        (f"<{HEX}@mail.example.com>", False),
        (f"<{HEX}@example.com.evil.net>", False),
        (f"<{HEX[:-1]}@example.com>", False),
        (f"<{HEX}0@example.com>", False),
        (f"<{HEX[:-1]}g@example.com>", False),
        ("<CAF1234.abc@example.com>", False),
        ("<support@example.com>", False),
        ("", False),
    ],
)
def test_is_own_message_id(value, ours):
    assert mailboxes.is_own_message_id(value, DOMAIN) is ours


def test_message_ids_the_desk_makes_are_its_own():
    made = mailboxes.message_id(HEX, DOMAIN)
    assert made == f"<{HEX}@example.com>"
    assert mailboxes.is_own_message_id(made, DOMAIN)
    assert not mailboxes.is_own_message_id(made, "")


@pytest.mark.parametrize(
    ("sender", "message_id", "why"),
    [
        ("support@example.com", "<m1@client.example.net>", "desk's own addresses"),
        ("Support+CS-000009@Example.com", "", "desk's own addresses"),
        ("dana@acme.example.com", f"<{HEX}@example.com>", "Message-ID"),
        ("", f"<{HEX}@example.com>", "Message-ID"),
        ("dana@acme.example.com", "<m1@client.example.net>", ""),
        ("dana@acme.example.com", f"<{HEX}@client.example.net>", ""),
        ("", "", ""),
    ],
)
def test_loop_reason(sender, message_id, why):
    reason = mailboxes.loop_reason(sender, message_id, ours=OURS, domain=DOMAIN)
    if why:
        assert why in reason
    else:
        assert reason == ""
