"""Administrators give users roles and say which owners they act for."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from planwatch.web.access.models import Membership, OwnerMapping


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):  # type: ignore[misc]
    list_display = ["user", "role", "establishment"]
    list_filter = ["role", "establishment"]


@admin.register(OwnerMapping)
class OwnerMappingAdmin(SimpleHistoryAdmin):  # type: ignore[misc]
    list_display = ["owner", "user", "establishment"]
    list_filter = ["establishment"]
