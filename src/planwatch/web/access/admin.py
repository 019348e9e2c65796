"""Administrators give users roles and say which owners they act for; the admin's password
sign-in obeys PLANWATCH_LOCAL_SIGN_IN as the service's does."""

from typing import Any

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin

from planwatch.web.access import oidc
from planwatch.web.access.models import Membership, OwnerMapping


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):  # type: ignore[misc]
    list_display = ["user", "role", "establishment"]
    list_filter = ["role", "establishment"]


@admin.register(OwnerMapping)
class OwnerMappingAdmin(SimpleHistoryAdmin):  # type: ignore[misc]
    list_display = ["owner", "user", "establishment"]
    list_filter = ["establishment"]


class AdminSignInForm(AdminAuthenticationForm):
    """The admin's sign-in form, refused before any password is checked when local sign-in is
    switched off."""

    def clean(self) -> dict[str, Any]:
        if not settings.PLANWATCH_LOCAL_SIGN_IN:
            raise ValidationError(oidc.local_sign_in_off_message(), code="local_sign_in_off")
        return super().clean()


_admin_login = admin.site.login


def admin_login(request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
    """With local sign-in switched off, a visitor to the admin signs in on the service's
    sign-in page (with the identity provider) and comes back."""
    if (
        not settings.PLANWATCH_LOCAL_SIGN_IN
        and request.method == "GET"
        and not request.user.is_authenticated
    ):
        return redirect_to_login(request.GET.get("next") or reverse("admin:index"))
    return _admin_login(request, extra_context)


admin.site.login_form = AdminSignInForm
admin.site.login = admin_login  # type: ignore[method-assign]
