"""URL routes for the planwatch web service."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path

from planwatch.web.plans import views

urlpatterns = [
    path("", views.home, name="home"),
    path("establishments/<slug:slug>/", views.establishment_page, name="establishment"),
    path("establishments/<slug:slug>/report/", views.progress_report_page, name="progress-report"),
    path(
        "establishments/<slug:slug>/report.pdf",
        views.progress_report_pdf,
        name="progress-report-pdf",
    ),
    path("establishments/<slug:slug>/owners/", views.owners, name="owners"),
    path("estate/", views.estate, name="estate"),
    path("estate.csv", views.estate_csv, name="estate-csv"),
    path("plans/new/", views.new_plan, name="new-plan"),
    path("plans/<int:pk>/", views.plan_page, name="plan"),
    path("plans/<int:pk>/source/", views.plan_source, name="plan-source"),
    path("plans/<int:pk>/changes/", views.plan_compare, name="plan-compare"),
    path("plans/<int:pk>/export/<str:fmt>/", views.plan_export, name="plan-export"),
    path("plans/<int:pk>/edit/", views.edit_plan, name="edit-plan"),
    path("plans/<int:pk>/submit/", views.submit_plan, name="submit-plan"),
    path("plans/<int:pk>/amend/", views.amend_plan, name="amend-plan"),
    path("concerns/<int:pk>/edit/", views.edit_concern, name="edit-concern"),
    path("concerns/<int:pk>/delete/", views.delete_concern, name="delete-concern"),
    path("concerns/<int:pk>/actions/add/", views.add_action, name="add-action"),
    path("concerns/<int:pk>/judgement/", views.judge_concern, name="judge-concern"),
    path("actions/<int:pk>/", views.action_page, name="action"),
    path("actions/<int:pk>/edit/", views.edit_action, name="edit-action"),
    path("actions/<int:pk>/delete/", views.delete_action, name="delete-action"),
    path("evidence/<int:pk>/", views.evidence_file, name="evidence"),
    path("overdue/", views.overdue, name="overdue"),
    path("due/", views.due_soon, name="due"),
    path("my-actions/", views.my_actions, name="my-actions"),
    path("import/", views.upload, name="import"),
    path(
        "sign-in/",
        auth_views.LoginView.as_view(
            template_name="sign_in.html", redirect_authenticated_user=True
        ),
        name="sign-in",
    ),
    path("sign-out/", auth_views.LogoutView.as_view(), name="sign-out"),
    path("admin/", admin.site.urls),
]

handler403 = "planwatch.web.plans.views.forbidden"
handler404 = "planwatch.web.plans.views.not_found"
handler500 = "planwatch.web.plans.views.server_error"
