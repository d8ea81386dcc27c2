"""Who may be copied on a case, as a table (no database)."""

from __future__ import annotations

from casedesk.rules import participants as rules
from casedesk.rules.participants import Candidate, Copied

CASE = Copied(
    number="CS-000001",
    organisation="Acme",
    contact=1,
    contact_address="dana@acme.example.com",
    contacts=[2],
    addresses=["ext@carrier.example.net"],
)


def ours(address: str) -> bool:
    return address.split("+")[0].split("@")[0] == "support"


def test_who_may_and_why_not():
    candidates = [
        Candidate("lee@acme.example.com", 3, "Lee"),
        Candidate("support+cs-000001@example.com"),
        Candidate("tech@example.com"),
        Candidate("dana@acme.example.com"),
        Candidate("dana@acme.example.com", 1, "Dana"),
        Candidate("pat@acme.example.com", 2, "Pat"),
        Candidate("ext@carrier.example.net"),
        Candidate("max@globex.example.com", 9, "Max", colleague=False),
        Candidate("new@carrier.example.net"),
        Candidate("new@carrier.example.net"),
    ]
    wanted, refusals = rules.sort(CASE, candidates, ours=ours, staff={"tech@example.com"})
    assert [c.raw for c in wanted] == [3, "new@carrier.example.net"]
    assert [r.split(" ")[0] for r in refusals] == [
        "support+cs-000001@example.com",
        "tech@example.com",
        "dana@acme.example.com",
        "Dana",
        "Pat",
        "ext@carrier.example.net",
        "Only",
        "new@carrier.example.net",
    ]


def test_at_most_so_many():
    full = Copied("CS-000002", "Acme", 1, "", addresses=[f"p{n}@x.example" for n in range(19)])
    wanted, refusals = rules.sort(
        full, [Candidate("a@x.example"), Candidate("b@x.example")], ours=ours, staff=()
    )
    assert [c.address for c in wanted] == ["a@x.example"]
    assert refusals == ["A case copies at most 20 people; remove someone first."]
