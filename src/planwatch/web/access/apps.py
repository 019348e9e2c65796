"""App configuration for access, and a check that someone can still sign in."""

from typing import Any

from django.apps import AppConfig
from django.core import checks


def someone_can_sign_in(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Local passwords switched off with no identity provider set up would let nobody in."""
    from django.conf import settings

    from planwatch.web.access import oidc

    if settings.PLANWATCH_LOCAL_SIGN_IN or oidc.configured():
        return []
    return [
        checks.Warning(
            "PLANWATCH_LOCAL_SIGN_IN is off and single sign-on is not set up: nobody can sign in",
            hint="Set PLANWATCH_OIDC_ISSUER and PLANWATCH_OIDC_CLIENT_ID (see the README's "
            "Single sign-on), or switch PLANWATCH_LOCAL_SIGN_IN back on",
            id="planwatch.W001",
        )
    ]


class AccessConfig(AppConfig):
    name = "planwatch.web.access"
    label = "access"
    verbose_name = "Access"

    def ready(self) -> None:
        checks.register(someone_can_sign_in)
