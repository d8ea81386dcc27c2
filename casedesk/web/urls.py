from django.contrib.auth.views import LogoutView
from django.urls import include, path

from casedesk.web.views import (
    auth,
    confirm,
    console,
    csp_report,
    files,
    maintenance,
    masters,
    participants,
    portal,
    sla,
)
from casedesk.web.views import mail as mail_views

portal_patterns = (
    [
        path("", portal.case_list, name="cases"),
        path("cases/new/", portal.case_new, name="new"),
        path("cases/<str:number>/", portal.case_detail, name="case"),
        path("cases/<str:number>/comment/", portal.case_comment, name="comment"),
        path("cases/<str:number>/reopen/", portal.case_reopen, name="reopen"),
        path("cases/<str:number>/confirm/", portal.case_confirm, name="confirm"),
        path("cases/<str:number>/participants/", participants.portal_add, name="participant_add"),
        path(
            "cases/<str:number>/participants/<int:participant_id>/remove/",
            participants.portal_remove,
            name="participant_remove",
        ),
        path("profile/", portal.profile, name="profile"),
        path("cases/<str:number>/escalate/", sla.portal_escalate, name="escalate"),
        path("escalation/", sla.escalation_paths, name="escalation"),
    ],
    "portal",
)

console_patterns = (
    [
        path("", console.queue, name="queue"),
        path("queue/<slug:name>/", console.queue, name="queue_named"),
        path("contacts/", console.contact_search, name="contacts"),
        path("cases/new/", console.case_new, name="new"),
        path("cases/<str:number>/", console.case_detail, name="case"),
        path("cases/<str:number>/comment/", console.case_comment, name="comment"),
        path("cases/<str:number>/transition/", console.case_transition, name="transition"),
        path("cases/<str:number>/disposition/", console.case_disposition, name="disposition"),
        path("cases/<str:number>/details/", console.case_details, name="details"),
        path("cases/<str:number>/link/", console.case_link, name="link"),
        path("cases/<str:number>/update-interval/", console.case_update_interval, name="update_interval"),
        path("cases/<str:number>/reopen/", console.case_reopen, name="reopen"),
        path("cases/<str:number>/participants/", participants.console_add, name="participant_add"),
        path(
            "cases/<str:number>/participants/<int:participant_id>/remove/",
            participants.console_remove,
            name="participant_remove",
        ),
        path("mail/", mail_views.quarantine, name="mail_quarantine"),
        path("mail/suppressed/", mail_views.suppressions, name="mail_suppressions"),
        path("mail/suppressed/<int:suppression_id>/lift/", mail_views.lift, name="mail_lift"),
        path("mail/<int:message_id>/", mail_views.message, name="mail_message"),
        path("mail/<int:message_id>/raw/", mail_views.raw, name="mail_raw"),
        path("mail/<int:message_id>/accept/", mail_views.accept, name="mail_accept"),
        path("mail/<int:message_id>/reject/", mail_views.reject, name="mail_reject"),
        path("masters/", masters.master_list, name="masters"),
        path("masters/new/", masters.master_new, name="master_new"),
        path("masters/<str:number>/", masters.master_detail, name="master"),
        path("masters/<str:number>/update/", masters.master_update, name="master_update"),
        path("masters/<str:number>/link/", masters.master_link, name="master_link"),
        path("masters/<str:number>/unlink/", masters.master_unlink, name="master_unlink"),
        path("masters/<str:number>/resolve/", masters.master_resolve, name="master_resolve"),
        path("cases/<str:number>/promote/", masters.promote, name="promote"),
        path("cases/<str:number>/escalate/", sla.console_escalate, name="escalate"),
        path("reports/sla/", sla.sla_report, name="sla_report"),
        path("maintenance/", maintenance.maintenance_list, name="maintenance"),
        path("maintenance/new/", maintenance.window_new, name="maintenance_new"),
        path("maintenance/<int:window_id>/", maintenance.window_detail, name="maintenance_window"),
        path("maintenance/<int:window_id>/cancel/", maintenance.window_cancel, name="maintenance_cancel"),
        path(
            "maintenance/<int:window_id>/occurrences/<int:occurrence_id>/cancel/",
            maintenance.occurrence_cancel,
            name="occurrence_cancel",
        ),
        path(
            "maintenance/<int:window_id>/occurrences/<int:occurrence_id>/reschedule/",
            maintenance.occurrence_reschedule,
            name="occurrence_reschedule",
        ),
        path(
            "maintenance/<int:window_id>/occurrences/<int:occurrence_id>/follow-up/",
            maintenance.occurrence_follow_up,
            name="occurrence_follow_up",
        ),
        path("maintenance/webhooks/", maintenance.webhook_list, name="webhooks"),
        path("maintenance/webhooks/add/", maintenance.webhook_add, name="webhook_add"),
        path(
            "maintenance/webhooks/<int:subscription_id>/remove/",
            maintenance.webhook_remove,
            name="webhook_remove",
        ),
    ],
    "console",
)

urlpatterns = [
    path("", auth.home, name="home"),
    path("login/", auth.CasedeskLoginView.as_view(), name="login"),
    path("logout/", LogoutView.as_view(), name="logout"),
    path("password/reset/", auth.password_reset, name="password_reset"),
    path("password/reset/sent/", auth.password_reset_done, name="password_reset_done"),
    path("password/reset/<uidb64>/<token>/", auth.ResetPasswordView.as_view(), name="password_reset_confirm"),
    path("password/reset/done/", auth.password_reset_complete, name="password_reset_complete"),
    path("attachments/<int:attachment_id>/", files.download, name="attachment"),
    path("confirm/<str:token>/", confirm.confirm_resolution, name="confirm_resolution"),
    path("csp-report/", csp_report.report, name="csp_report"),
    path("portal/", include(portal_patterns)),
    path("console/", include(console_patterns)),
]
