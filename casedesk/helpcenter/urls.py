from django.urls import path

from casedesk.helpcenter.views import console, plan, public

solutions_patterns = (
    [
        path("", public.home, name="home"),
        path("search/", public.search, name="search"),
        path("suggest/", public.suggest, name="suggest"),
        path("c/<slug:slug>/", public.category, name="category"),
        path("a/<slug:slug>/", public.article, name="article"),
        path("a/<slug:slug>/feedback/", public.feedback, name="feedback"),
        path("files/<int:file_id>/", public.download, name="file"),
    ],
    "solutions",
)

console_patterns = (
    [
        path("", console.article_list, name="list"),
        path("new/", console.article_new, name="new"),
        path("report/", console.report, name="report"),
        path("<int:article_id>/", console.article_edit, name="edit"),
        path("<int:article_id>/files/", console.add_files, name="files"),
        path("<int:article_id>/delete/", console.article_delete, name="delete"),
        path("<int:article_id>/revisions/", console.revisions, name="revisions"),
        path("<int:article_id>/revisions/<int:revision_id>/restore/", console.restore, name="restore"),
    ],
    "kbconsole",
)

plan_patterns = (
    [
        path("", plan.overview, name="overview"),
        path("priorities/", plan.priorities, name="priorities"),
        path("hours/", plan.hours, name="hours"),
        path("statuses/", plan.statuses, name="statuses"),
        path("escalation/", plan.escalation, name="escalation"),
        path("maintenance/", plan.maintenance, name="maintenance"),
        path("plan.pdf", plan.pdf, name="pdf"),
    ],
    "plan",
)
