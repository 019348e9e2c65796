"""App configuration for access."""

from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "planwatch.web.access"
    label = "access"
    verbose_name = "Access"
