"""App configuration for plans."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class PlansConfig(AppConfig):
    name = "planwatch.web.plans"
    label = "plans"
    verbose_name = "Plans and progress"

    def ready(self) -> None:
        from planwatch.web import caching

        # The shared cache's table, made by every migrate (once: sent for this app only).
        post_migrate.connect(caching.create_cache_table, sender=self, weak=False)
