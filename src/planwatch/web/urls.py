"""URL routes for the planwatch web service."""

from django.contrib import admin
from django.urls import path

from planwatch.web import ops
from planwatch.web.access import views as access
from planwatch.web.api.endpoints import api
from planwatch.web.plans.views import (
    actions,
    drafting,
    establishments,
    importing,
    jobs,
    lessons,
    lists,
    plans,
    reports,
    reviews,
    searching,
)

urlpatterns = [
    path("", establishments.home, name="home"),
    path("establishments/<slug:slug>/", establishments.establishment_page, name="establishment"),
    path(
        "establishments/<slug:slug>/report/", reports.progress_report_page, name="progress-report"
    ),
    path(
        "establishments/<slug:slug>/report.pdf",
        reports.progress_report_pdf,
        name="progress-report-pdf",
    ),
    path(
        "establishments/<slug:slug>/report/pdf/",
        jobs.report_pdf_job,
        name="progress-report-pdf-job",
    ),
    path("establishments/<slug:slug>/owners/", access.owners, name="owners"),
    path(
        "establishments/<slug:slug>/self-reported/",
        lessons.establishment_self_reported,
        name="self-reported",
    ),
    path(
        "establishments/<slug:slug>/self-reported.csv",
        lessons.establishment_self_reported_csv,
        name="self-reported-csv",
    ),
    path("estate/self-reported/", lessons.estate_self_reported, name="estate-self-reported"),
    path(
        "estate/self-reported.csv",
        lessons.estate_self_reported_csv,
        name="estate-self-reported-csv",
    ),
    path("estate/themes/", lessons.themes, name="themes"),
    path("estate/themes.csv", lessons.themes_csv, name="themes-csv"),
    path("estate/", reports.estate, name="estate"),
    path("estate.csv", reports.estate_csv, name="estate-csv"),
    path("plans/new/", drafting.new_plan, name="new-plan"),
    path("plans/new/from-report/", drafting.new_plan_from_report, name="new-plan-from-report"),
    path("plans/<int:pk>/review/", reviews.confirm_review, name="confirm-review"),
    path("reviews/new/", reviews.upload_review, name="review-upload"),
    path("plans/<int:pk>/", plans.plan_page, name="plan"),
    path("plans/<int:pk>/source/", plans.plan_source, name="plan-source"),
    path("plans/<int:pk>/changes/", plans.plan_compare, name="plan-compare"),
    path("plans/<int:pk>/export/<str:fmt>/", plans.plan_export, name="plan-export"),
    path("plans/<int:pk>/edit/", drafting.edit_plan, name="edit-plan"),
    path("plans/<int:pk>/dates/", drafting.edit_dates, name="edit-dates"),
    path("plans/<int:pk>/submit/", drafting.submit_plan, name="submit-plan"),
    path("plans/<int:pk>/amend/", drafting.amend_plan, name="amend-plan"),
    path("concerns/<int:pk>/", lessons.concern_page, name="concern"),
    path("concerns/<int:pk>/edit/", drafting.edit_concern, name="edit-concern"),
    path("concerns/<int:pk>/delete/", drafting.delete_concern, name="delete-concern"),
    path("concerns/<int:pk>/actions/add/", drafting.add_action, name="add-action"),
    path("concerns/<int:pk>/judgement/", actions.judge_concern, name="judge-concern"),
    path("concerns/<int:pk>/themes/", actions.concern_themes, name="concern-themes"),
    path("judgements/<int:pk>/correct/", actions.correct_judgement, name="correct-judgement"),
    path("actions/<int:pk>/", actions.action_page, name="action"),
    path("actions/<int:pk>/update/", actions.post_update, name="post-update"),
    path("actions/<int:pk>/edit/", drafting.edit_action, name="edit-action"),
    path("actions/<int:pk>/delete/", drafting.delete_action, name="delete-action"),
    path("actions/<int:pk>/consider/", drafting.consider_finding, name="consider-finding"),
    path("updates/<int:pk>/correct/", actions.correct_update, name="correct-update"),
    path("evidence/<int:pk>/", actions.evidence_file, name="evidence"),
    path("search/", searching.search_page, name="search"),
    path("overdue/", lists.overdue, name="overdue"),
    path("due/", lists.due_soon, name="due"),
    path("my-actions/", lists.my_actions, name="my-actions"),
    path("import/", importing.upload, name="import"),
    path("jobs/", jobs.job_list, name="jobs"),
    path("jobs/estate/", jobs.estate_work, name="estate-work"),
    path("jobs/<int:pk>/", jobs.job_page, name="job"),
    path("jobs/<int:pk>/result/", jobs.job_result, name="job-result"),
    path("sign-in/", access.SignInView.as_view(), name="sign-in"),
    # Single sign-on with the organisation's identity provider (OpenID Connect).
    path("sign-in/sso/", access.SingleSignOnStart.as_view(), name="sso-start"),
    path("sign-in/sso/callback/", access.SingleSignOnCallback.as_view(), name="sso-callback"),
    path("sign-out/", access.SignOutView.as_view(), name="sign-out"),
    path("admin/", admin.site.urls),
    path("account/tokens/", access.tokens, name="tokens"),
    path("api/v1/", api.urls),
    path("healthz", ops.healthz, name="healthz"),
    path("metrics", ops.metrics, name="metrics"),
    path("favicon.ico", ops.favicon, name="favicon"),
]

handler400 = "planwatch.web.plans.views.errors.bad_request"
handler403 = "planwatch.web.plans.views.errors.forbidden"
handler404 = "planwatch.web.plans.views.errors.not_found"
handler500 = "planwatch.web.plans.views.errors.server_error"
