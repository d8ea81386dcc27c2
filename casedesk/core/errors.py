"""Errors that actions raise for a refused request; every channel shows the message as is."""


class Refused(Exception):
    """The request is not allowed; `str(exc)` says what and why, fit for the person asking."""

    status_code = 400


class NotFound(Refused):
    """The object does not exist for the asker (another organisation's objects look absent)."""

    status_code = 404


class Forbidden(Refused):
    status_code = 403


class RateLimited(Refused):
    """Too many requests of this kind from this client or for this address; try later."""

    status_code = 429
