from django.urls import path

from casedesk.statuspage import views

# The URL names stay "status:…": the notices link to them by name.
app_name = "status"

urlpatterns = [
    path("", views.index, name="index"),
    path("history/", views.history, name="history"),
    path("history/<int:year>/", views.history_year, name="history_year"),
    path("summary.json", views.summary, name="summary"),
    path("feed.atom", views.feed, name="feed"),
    path("maintenance.ics", views.calendar, name="calendar"),
    path("platforms/<slug:code>/feed.atom", views.platform_feed, name="platform_feed"),
    path("platforms/<slug:code>/maintenance.ics", views.platform_calendar, name="platform_calendar"),
    path("incidents/<int:incident_id>/", views.incident, name="incident"),
    path("incidents/<int:incident_id>/feed.atom", views.incident_feed, name="incident_feed"),
    path("subscribe/", views.subscribe, name="subscribe"),
    path("subscribe/me/", views.subscribe_me, name="subscribe_me"),
    path("subscriptions/confirm/<str:signed>/", views.confirm, name="confirm"),
    path("subscriptions/<str:token>/", views.manage, name="manage"),
    path("subscriptions/<str:token>/unsubscribe/", views.unsubscribe, name="unsubscribe"),
]
