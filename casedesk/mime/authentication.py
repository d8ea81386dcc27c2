"""Who really sent a message: its From: domain's DMARC verdict, from raw bytes.

Either the receiving server already said so, in an Authentication-Results field bearing
its own authserv-id (`from_results`; fields with any other id are anyone's words and
ignored), or the desk checks itself (`verify`): each DKIM signature (dkimpy), SPF for the
envelope sender when the client's address is known (pyspf), and the From domain's DMARC
policy and alignment (authheaders). All DNS goes through the `Resolver` handed in, so
tests answer from a table and nothing here reaches the network on its own.

The verdict: PASS for an aligned DMARC pass (or, where the domain publishes no policy, an
aligned DKIM or SPF pass); FAIL for a DMARC fail; NONE when nothing proves it either way.

Pure Python: no Django.
"""

from __future__ import annotations

import functools
import importlib.resources
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import authheaders
import authres
import dkim
import spf
from authheaders import dmarc_lookup, dmarc_per_from
from authres.dmarc import DMARCAuthenticationResult


class Verdict:
    """The verdicts, as `rules.senders.Verdict` names them (the MIME reader stands alone)."""

    PASS = "pass"  # noqa: S105 - a verdict, not a secret
    FAIL = "fail"
    NONE = "none"


# A name and a record type (TXT, A, AAAA, MX, PTR) -> the records: strings (TXT: each
# record's strings joined; A/AAAA: addresses; PTR: names) or (preference, name) for MX.
# An empty list: no such record. Raise LookupError for a failure worth retrying.
Resolver = Callable[[str, str], list[Any]]

MAX_HEAD = 256 * 1024  # header bytes looked at for Authentication-Results fields
MAX_SIGNATURES = 5  # DKIM signatures tried per message
AUTHENTICATION_RESULTS = "authentication-results"


@dataclass(frozen=True)
class Authentication:
    verdict: str  # a Verdict
    method: str  # "authentication-results" (the receiving server's) or "verified" (here)
    evidence: str  # the results that decided, in Authentication-Results notation
    from_domain: str = ""


def domain_of(address: str) -> str:
    return address.rpartition("@")[2].strip().strip(">").lower()


@functools.cache
def _suffixes() -> Any:
    ref = importlib.resources.files("authheaders") / "public_suffix_list.txt"
    with ref.open(encoding="utf-8") as listing:
        return dmarc_lookup.PublicSuffixList(listing)


def warm() -> None:
    """Read the public suffix list now rather than at the first message checked."""
    _suffixes()


@functools.lru_cache(maxsize=4096)
def _org_domain(domain: str) -> str:
    return str(_suffixes().get_public_suffix(domain))


# authheaders reads and parses the whole public suffix list on every lookup (about
# 150 ms a message); its DMARC check calls the module-level function, so the list is
# read once per process here and the answer cached per domain.
dmarc_lookup.get_org_domain = _org_domain
authheaders.get_org_domain = _org_domain


def _org(domain: str) -> str:
    return _org_domain(domain.lower()) if domain else ""


def _aligned(from_domain: str, domain: str) -> bool:
    """Relaxed alignment: the same organisational domain."""
    return bool(domain) and _org(from_domain) == _org(domain.lower())


# --- the receiving server's word -----------------------------------------------------


def header_fields(raw: bytes, name: str) -> list[str]:
    """The values of one header field, top first (unfolded), from the first MAX_HEAD bytes."""
    head = re.split(rb"\r\n\r\n|\n\n|\r\r", raw[:MAX_HEAD], maxsplit=1)[0]
    fields: list[list[str]] = []
    current: list[str] | None = None
    wanted = name.lower().encode()
    for line in re.split(rb"\r\n|\n|\r", head):
        if line[:1] in (b" ", b"\t"):
            if current is not None:
                current.append(line.decode("utf-8", "replace").strip())
            continue
        field, colon, value = line.partition(b":")
        current = None
        if colon and field.strip().lower() == wanted:
            current = [value.decode("utf-8", "replace").strip()]
            fields.append(current)
    return [" ".join(parts) for parts in fields]


def from_results(raw: bytes, authserv_id: str, from_domain: str) -> Authentication | None:
    """The verdict in the topmost Authentication-Results field of `authserv_id` (the one
    the receiving server added last); None when there is none."""
    if not authserv_id:
        return None
    for value in header_fields(raw, AUTHENTICATION_RESULTS):
        try:
            parsed = authres.AuthenticationResultsHeader.parse_value(value)
        except Exception:  # noqa: S112 - not well-formed: not the receiving server's
            continue
        if str(parsed.authserv_id).lower() != authserv_id.lower():
            continue
        return _judge(from_domain, list(parsed.results), "authentication-results")
    return None


def _prop(result: Any, ptype: str, name: str) -> str:
    for prop in getattr(result, "properties", None) or []:
        if prop.type == ptype and prop.name == name:
            return str(prop.value)
    return ""


def _judge(from_domain: str, results: Sequence[Any], method: str) -> Authentication:
    evidence = "; ".join(str(r) for r in results) or "no results"
    dmarc_results = [r for r in results if r.method == "dmarc"]
    for r in dmarc_results:
        named = domain_of(_prop(r, "header", "from"))
        if named and from_domain and named != from_domain:
            continue  # about another From domain
        if r.result == "fail":
            return Authentication(Verdict.FAIL, method, evidence, from_domain)
        if r.result == "pass":
            return Authentication(Verdict.PASS, method, evidence, from_domain)
    # No DMARC verdict (the domain publishes no policy): an aligned pass still proves it.
    for r in results:
        if r.result != "pass":
            continue
        if r.method == "dkim" and _aligned(
            from_domain, _prop(r, "header", "d") or domain_of(_prop(r, "header", "i"))
        ):
            return Authentication(Verdict.PASS, method, evidence, from_domain)
        if r.method == "spf" and _aligned(from_domain, domain_of(_prop(r, "smtp", "mailfrom"))):
            return Authentication(Verdict.PASS, method, evidence, from_domain)
    return Authentication(Verdict.NONE, method, evidence, from_domain)


# --- checked here ---------------------------------------------------------------------


class _SPF(spf.query):
    """pyspf's query, asking the given resolver instead of the system's."""

    def __init__(self, resolver: Resolver, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._resolver = resolver

    def dns(self, name: str, qtype: str, cnames: Any = None, ignore_void: bool = False) -> list[Any]:
        name = str(name).rstrip(".").lower()
        if not name or qtype not in ("A", "AAAA", "MX", "PTR", "TXT", "SPF"):
            return []
        key = (name, qtype)
        if key not in self.cache:
            try:
                found = self._resolver(name, "TXT" if qtype == "SPF" else qtype)
            except LookupError as exc:
                raise spf.TempError(f"DNS {exc}") from exc
            self.cache[key] = [(v.encode(),) for v in found] if qtype in ("TXT", "SPF") else list(found)
        result: list[Any] = self.cache[key]
        if not result and not ignore_void:
            self.void_lookups += 1
            if self.void_lookups > spf.MAX_VOID_LOOKUPS:
                raise spf.PermError(f"Void lookup limit of {spf.MAX_VOID_LOOKUPS} exceeded")
        return result


def _first_txt(resolver: Resolver, name: str, starts: str = "") -> str | None:
    for record in resolver(name.rstrip("."), "TXT"):
        if record.startswith(starts):
            return str(record)
    return None


def check_spf(resolver: Resolver, ip: str, mail_from: str, helo: str) -> Any:
    try:
        result, _, explanation = _SPF(resolver, i=ip, s=mail_from, h=helo or "unknown").check()
    except (spf.TempError, spf.PermError) as exc:  # raised before the query is set up
        result, explanation = "temperror", str(exc)
    identity = mail_from or f"postmaster@{helo}"
    return authres.SPFAuthenticationResult(
        result=result, smtp_mailfrom=identity, result_comment=str(explanation)[:200] or None
    )


_SIGNATURE_NAME = re.compile(rb"dkim-signature", re.IGNORECASE)


def check_dkim(resolver: Resolver, raw: bytes) -> list[Any]:
    """A result per DKIM signature (the first MAX_SIGNATURES)."""

    failed: list[str] = []  # dkimpy takes a DNS failure for a bad signature: told apart here

    def txt(name: bytes, timeout: int = 5) -> bytes | None:
        try:
            record = _first_txt(resolver, name.decode("ascii", "replace"))
        except LookupError as exc:
            failed.append(str(exc))
            raise dkim.DnsTimeoutError(str(exc)) from exc
        return record.encode() if record is not None else None

    if len(raw) > MAX_HEAD and not re.search(rb"\r\n\r\n|\n\n|\r\r", raw[:MAX_HEAD]):
        return [
            authres.DKIMAuthenticationResult(result="permerror", result_comment="header section too large")
        ]
    if not _SIGNATURE_NAME.search(raw):
        return []  # no field can be a signature: what the parse below would find, without it
    message = re.sub(rb"\r\n|\r|\n", b"\r\n", raw)  # DKIM canonicalises line ends to CRLF
    try:
        checker = dkim.DKIM(message)
    except Exception:
        return []
    count = sum(1 for name, _ in checker.headers if name.lower() == b"dkim-signature")
    out = []
    for index in range(min(count, MAX_SIGNATURES)):
        failed.clear()
        try:
            passed = checker.verify(idx=index, dnsfunc=txt)
            result = "pass" if passed else "temperror" if failed else "fail"
        except dkim.DnsTimeoutError:
            result = "temperror"
        except dkim.DKIMException:  # a bad signature or body hash: it does not verify
            result = "fail"
        except Exception:
            result = "permerror"
        fields = checker.signature_fields or {}
        out.append(
            authres.DKIMAuthenticationResult(
                result=result,
                header_d=fields.get(b"d", b"").decode("ascii", "replace"),
                header_i=fields.get(b"i", b"").decode("ascii", "replace") or None,
            )
        )
    return out


def check_dmarc(resolver: Resolver, from_domain: str, spf_result: Any, dkim_results: list[Any]) -> Any:
    def txt(name: str) -> str | None:
        return _first_txt(resolver, name, "v=DMARC1")

    # DMARC passes if any aligned mechanism passes: give it the aligned DKIM pass if there is one.
    best = next((r for r in dkim_results if r.result == "pass" and _aligned(from_domain, r.header_d)), None)
    best = best or next((r for r in dkim_results if r.result == "pass"), None)
    try:
        result, comment, _, policy = dmarc_per_from(from_domain, spf_result, best, dnsfunc=txt)
    except LookupError as exc:
        result, comment, policy = "temperror", str(exc), ""
    except Exception as exc:  # a malformed record
        result, comment, policy = "permerror", str(exc), ""
    note = " ".join(part for part in (f"p={policy}" if policy else "", str(comment or "")) if part)
    return DMARCAuthenticationResult(
        result=result, header_from=from_domain, policy=policy or None, result_comment=note[:200] or None
    )


def verify(
    raw: bytes, from_domain: str, resolver: Resolver, *, mail_from: str = "", ip: str = "", helo: str = ""
) -> Authentication:
    """DKIM, SPF (when the client's address is known) and DMARC, checked here."""
    results: list[Any] = []
    spf_result = check_spf(resolver, ip, mail_from, helo) if ip and (mail_from or helo) else None
    if spf_result is not None:
        results.append(spf_result)
    dkim_results = check_dkim(resolver, raw)
    results.extend(dkim_results or [authres.DKIMAuthenticationResult(result="none")])
    if from_domain:
        results.append(check_dmarc(resolver, from_domain, spf_result, dkim_results))
    return _judge(from_domain, results, "verified")


def authenticate(
    raw: bytes,
    sender: str,
    resolver: Resolver,
    *,
    authserv_id: str = "",
    mail_from: str = "",
    ip: str = "",
    helo: str = "",
) -> Authentication:
    """The receiving server's verdict when it gave one, else the desk's own."""
    from_domain = domain_of(sender) if "@" in sender else ""
    trusted = from_results(raw, authserv_id, from_domain)
    if trusted is not None:
        return trusted
    return verify(raw, from_domain, resolver, mail_from=mail_from, ip=ip, helo=helo)
