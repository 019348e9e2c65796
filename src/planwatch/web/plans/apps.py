"""App configuration for plans."""

from django.apps import AppConfig
from django.core.signals import setting_changed
from django.db.models.signals import post_migrate


class PlansConfig(AppConfig):
    name = "planwatch.web.plans"
    label = "plans"
    verbose_name = "Plans and progress"

    def ready(self) -> None:
        from planwatch.web import caching

        # The shared cache's table, made by every migrate (once: sent for this app only), and a
        # new estate's mark.
        post_migrate.connect(caching.after_migrate, sender=self, weak=False)
        # Settings change only in tests; what the public was answered may depend on them.
        setting_changed.connect(caching.forget_public_pages, weak=False)
