"""App configuration for plans."""

from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "planwatch.web.plans"
    label = "plans"
    verbose_name = "Plans and progress"
