"""Administrators manage establishments and see every record's change history (read only)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from planwatch.web.plans.models import Establishment, Inspection


@admin.register(Establishment)
class EstablishmentAdmin(SimpleHistoryAdmin):  # type: ignore[misc]
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Inspection)
class InspectionAdmin(SimpleHistoryAdmin):  # type: ignore[misc]
    list_display = ["establishment", "start", "end", "report_published"]
