from collections.abc import Callable

from django.contrib.auth.views import LogoutView
from django.http import HttpResponse
from django.urls import include, path

from casedesk.web.views import (
    account,
    auth,
    billing,
    confirm,
    console,
    cpni,
    csp_report,
    files,
    inventory,
    inventory_imports,
    macd,
    maintenance,
    masters,
    participants,
    portal,
    queues,
    reports,
    search,
    sla,
)
from casedesk.web.views import mail as mail_views


def inventory_routes(side: str) -> list[tuple[str, Callable[..., HttpResponse], str]]:
    """The inventory's pages, the same on both sides (the console's name the organisation)."""
    pages, bulk = inventory, inventory_imports
    return [
        ("", getattr(pages, f"{side}_inventory"), "inventory"),
        ("export.csv", getattr(pages, f"{side}_export"), "inventory_export"),
        ("change/", getattr(pages, f"{side}_change"), "inventory_change"),
        ("items/<int:item_id>/", getattr(pages, f"{side}_item"), "inventory_item"),
        ("scheduled/<int:batch_id>/cancel/", getattr(pages, f"{side}_cancel_scheduled"), "inventory_cancel"),
        ("imports/", getattr(bulk, f"{side}_upload"), "inventory_upload"),
        ("imports/<int:job_id>/", getattr(bulk, f"{side}_job"), "inventory_import"),
        ("imports/<int:job_id>/progress/", getattr(bulk, f"{side}_progress"), "inventory_progress"),
        ("imports/<int:job_id>/confirm/", getattr(bulk, f"{side}_confirm"), "inventory_confirm"),
        ("imports/<int:job_id>/cancel/", getattr(bulk, f"{side}_import_cancel"), "inventory_import_cancel"),
    ]


portal_patterns = (
    [
        path("", portal.case_list, name="cases"),
        path("search/", search.portal_search, name="search"),
        path("cases/new/", portal.case_new, name="new"),
        path("macd/new/", macd.new, name="macd_new"),
        path("cases/<str:number>/macd/decide/", macd.decide, name="macd_decide"),
        path("cases/<str:number>/macd/live/", macd.portal_live, name="macd_live"),
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
        path("passcodes/", cpni.portal_passcodes, name="passcodes"),
        path("passcodes/<int:contact_id>/", cpni.portal_passcode_set, name="passcode_set"),
        path("address-of-record/", cpni.portal_address_of_record, name="address_of_record"),
        path("cases/<str:number>/escalate/", sla.portal_escalate, name="escalate"),
        path("escalation/", sla.escalation_paths, name="escalation"),
        path("reports/", reports.portal_reports, name="reports"),
        *[path(f"inventory/{route}", view, name=name) for route, view, name in inventory_routes("portal")],
        path("billing/", billing.billcenter, name="billing"),
        path("billing/<int:invoice_id>/", billing.billcenter, name="billing_invoice"),
        path("billing/<int:invoice_id>/invoice.pdf", billing.invoice_pdf, name="billing_pdf"),
        path("billing/<int:invoice_id>/lines.csv", billing.invoice_csv, name="billing_csv"),
        path("billing/<int:invoice_id>/dispute/", billing.dispute, name="billing_dispute"),
    ],
    "portal",
)

console_patterns = (
    [
        path("", queues.queue, name="queue"),
        path("search/", search.console_search, name="search"),
        path("queue/<slug:name>/", queues.queue, name="queue_named"),
        path("queue/<slug:name>/rows/", queues.queue_rows, name="queue_rows"),
        path("queue/<slug:name>/bulk/", queues.queue_bulk, name="queue_bulk"),
        path("views/", queues.view_save, name="view_save"),
        path("organisations/suggest/", queues.organisation_suggest, name="organisation_suggest"),
        path("views/<int:view_id>/delete/", queues.view_delete, name="view_delete"),
        path("contacts/", console.contact_search, name="contacts"),
        path("cases/new/", console.case_new, name="new"),
        path("cases/<str:number>/", console.case_detail, name="case"),
        path("cases/<str:number>/comment/", console.case_comment, name="comment"),
        path("cases/<str:number>/macd/live/", macd.console_live, name="macd_live"),
        path("cases/<str:number>/macd/time/", macd.log_time, name="macd_time"),
        path("cases/<str:number>/macd/time/<int:entry_id>/", macd.edit_time, name="macd_time_edit"),
        path("cases/<str:number>/macd/timer/", macd.timer, name="macd_timer"),
        path("cases/<str:number>/macd/extend/", macd.extend, name="macd_extend"),
        path("cases/<str:number>/macd/apply/", macd.apply, name="macd_apply"),
        path("cases/<str:number>/transition/", console.case_transition, name="transition"),
        path("cases/<str:number>/disposition/", console.case_disposition, name="disposition"),
        path("cases/<str:number>/details/", console.case_details, name="details"),
        path("cases/<str:number>/correct/", console.case_correct, name="correct"),
        path("cases/<str:number>/link/", console.case_link, name="link"),
        path("cases/<str:number>/update-interval/", console.case_update_interval, name="update_interval"),
        path("cases/<str:number>/reopen/", console.case_reopen, name="reopen"),
        path("cases/<str:number>/verify-caller/", cpni.verify, name="verify_caller"),
        path("cases/<str:number>/passcode/", cpni.console_passcode_set, name="passcode_set"),
        path("privacy/disclosures/", cpni.disclosure_log, name="disclosures"),
        path("privacy/requests/", cpni.privacy_requests, name="privacy_requests"),
        path("privacy/requests/<int:request_id>/", cpni.privacy_request_detail, name="privacy_request"),
        path(
            "privacy/requests/<int:request_id>/export.<str:fmt>", cpni.privacy_export, name="privacy_export"
        ),
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
        path("reports/", reports.index, name="reports"),
        path("reports/subscribe/", reports.subscribe, name="report_subscribe"),
        path(
            "reports/subscriptions/<int:subscription_id>/remove/",
            reports.unsubscribe,
            name="report_unsubscribe",
        ),
        *(
            path(f"reports/{slug}/", reports.report, {"slug": slug}, name=f"report_{slug}")
            for slug in reports.REPORTS
        ),
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
        path("inventory/", inventory.console_organisations, name="inventory_organisations"),
        path("billing/", billing.console_billing, name="billing"),
        path("billing/drafts/prepare/", billing.prepare_drafts, name="billing_prepare"),
        path("billing/adjustments/", billing.add_adjustment, name="billing_adjustment"),
        path("billing/invoices/<int:invoice_id>/", billing.console_invoice, name="billing_invoice"),
        path(
            "billing/invoices/<int:invoice_id>/invoice.pdf", billing.console_invoice_pdf, name="billing_pdf"
        ),
        path("billing/invoices/<int:invoice_id>/resend/", billing.resend, name="billing_resend"),
        path("billing/disputes/<int:dispute_id>/decide/", billing.decide, name="billing_decide"),
        *[
            path(f"organisations/<int:org_id>/inventory/{route}", view, name=name)
            for route, view, name in inventory_routes("console")
        ],
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
    path("macd/approval/<str:token>/", macd.approval_link, name="macd_approval"),
    path("privacy/request/", cpni.privacy_request_page, name="privacy_request"),
    path("privacy/confirm/<str:token>/", cpni.privacy_confirm, name="privacy_confirm"),
    path("csp-report/", csp_report.report, name="csp_report"),
    # Sign-in security: the code step, enrolment, recovery codes, password, e-mail, sessions.
    path("account/", account.account, name="account"),
    path("account/two-factor/verify/", account.verify, name="two_factor_verify"),
    path("account/two-factor/enrol/", account.enrol, name="two_factor_enrol"),
    path("account/two-factor/enrol/qr.svg", account.enrol_qr, name="two_factor_qr"),
    path("account/two-factor/recovery-codes/", account.recovery_codes, name="two_factor_recovery_codes"),
    path("account/two-factor/off/", account.turn_off, name="two_factor_off"),
    path("account/password/", account.password_change, name="password_change"),
    path("account/email/", account.email_change, name="email_change"),
    path("account/sessions/<str:session_id>/end/", account.session_end, name="session_end"),
    path("account/sessions/end-others/", account.sessions_end_others, name="sessions_end_others"),
    path("portal/", include(portal_patterns)),
    path("console/", include(console_patterns)),
]
