from django.contrib import admin
from django.urls import include, path

from casedesk.api.routes import api
from casedesk.helpcenter import urls as helpcenter
from casedesk.web.views.auth import admin_login

urlpatterns = [
    path("admin/login/", admin_login, name="admin_login"),  # one log-in for all: rate limited, second factor
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("status/", include("casedesk.statuspage.urls")),
    path("", include("casedesk.ops.urls")),
    path("solutions/", include(helpcenter.solutions_patterns)),
    path("console/solutions/", include(helpcenter.console_patterns)),
    path("plan/", include(helpcenter.plan_patterns)),
    path("", include("casedesk.web.urls")),
]
