from django.contrib import admin
from django.urls import include, path

from casedesk.api.routes import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("status/", include("casedesk.statuspage.urls")),
    path("", include("casedesk.ops.urls")),
    path("", include("casedesk.web.urls")),
]
