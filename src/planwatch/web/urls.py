"""URL routes for the planwatch web service."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path

from planwatch.web.access import views as access
from planwatch.web.plans.views import (
    actions,
    drafting,
    establishments,
    importing,
    lists,
    plans,
    reports,
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
    path("establishments/<slug:slug>/owners/", access.owners, name="owners"),
    path("estate/", reports.estate, name="estate"),
    path("estate.csv", reports.estate_csv, name="estate-csv"),
    path("plans/new/", drafting.new_plan, name="new-plan"),
    path("plans/<int:pk>/", plans.plan_page, name="plan"),
    path("plans/<int:pk>/source/", plans.plan_source, name="plan-source"),
    path("plans/<int:pk>/changes/", plans.plan_compare, name="plan-compare"),
    path("plans/<int:pk>/export/<str:fmt>/", plans.plan_export, name="plan-export"),
    path("plans/<int:pk>/edit/", drafting.edit_plan, name="edit-plan"),
    path("plans/<int:pk>/dates/", drafting.edit_dates, name="edit-dates"),
    path("plans/<int:pk>/submit/", drafting.submit_plan, name="submit-plan"),
    path("plans/<int:pk>/amend/", drafting.amend_plan, name="amend-plan"),
    path("concerns/<int:pk>/edit/", drafting.edit_concern, name="edit-concern"),
    path("concerns/<int:pk>/delete/", drafting.delete_concern, name="delete-concern"),
    path("concerns/<int:pk>/actions/add/", drafting.add_action, name="add-action"),
    path("concerns/<int:pk>/judgement/", actions.judge_concern, name="judge-concern"),
    path("judgements/<int:pk>/correct/", actions.correct_judgement, name="correct-judgement"),
    path("actions/<int:pk>/", actions.action_page, name="action"),
    path("actions/<int:pk>/update/", actions.post_update, name="post-update"),
    path("actions/<int:pk>/edit/", drafting.edit_action, name="edit-action"),
    path("actions/<int:pk>/delete/", drafting.delete_action, name="delete-action"),
    path("updates/<int:pk>/correct/", actions.correct_update, name="correct-update"),
    path("evidence/<int:pk>/", actions.evidence_file, name="evidence"),
    path("search/", searching.search_page, name="search"),
    path("overdue/", lists.overdue, name="overdue"),
    path("due/", lists.due_soon, name="due"),
    path("my-actions/", lists.my_actions, name="my-actions"),
    path("import/", importing.upload, name="import"),
    path(
        "sign-in/",
        auth_views.LoginView.as_view(
            template_name="access/sign_in.html", redirect_authenticated_user=True
        ),
        name="sign-in",
    ),
    path("sign-out/", auth_views.LogoutView.as_view(), name="sign-out"),
    path("admin/", admin.site.urls),
]

handler403 = "planwatch.web.plans.views.errors.forbidden"
handler404 = "planwatch.web.plans.views.errors.not_found"
handler500 = "planwatch.web.plans.views.errors.server_error"
