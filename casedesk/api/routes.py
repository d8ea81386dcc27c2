"""The HTTP API, mounted at /api/v1/ (OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs)."""

from ninja import NinjaAPI

from casedesk.api import accounts, calls, cases, cpni, errors, inventory, macd, privacy, sla
from casedesk.api.auth import BearerToken

api = NinjaAPI(
    title="casedesk API",
    version="1",
    urls_namespace="api",
    description=(
        "Support cases for customers and support staff. Authenticate with "
        "`Authorization: Bearer <token>` (staff issue tokens with `manage.py api_token`). "
        "Customers see their organisation's cases only; errors are JSON with a `detail` message."
    ),
    auth=BearerToken(),
    parser=errors.JsonObjectParser(),
)
errors.install(api)
api.add_router("", cases.router)
api.add_router("", accounts.router)
api.add_router("", sla.router)
api.add_router("", macd.router)
api.add_router("", inventory.router)
api.add_router("", calls.router)
api.add_router("", cpni.router)
api.add_router("", privacy.router)
