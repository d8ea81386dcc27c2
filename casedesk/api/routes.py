from ninja import NinjaAPI

api = NinjaAPI(title="casedesk API", version="1", urls_namespace="api")
