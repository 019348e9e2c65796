"""A Django email backend that sends through GOV.UK Notify (notifications-python-client).

Set PLANWATCH_EMAIL_BACKEND=planwatch.web.notify.NotifyEmailBackend, with
PLANWATCH_NOTIFY_API_KEY and PLANWATCH_NOTIFY_TEMPLATE_ID: a Notify email template whose
subject is ((subject)) and whose body is ((body)).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail.backends.base import BaseEmailBackend
from notifications_python_client.errors import HTTPError
from notifications_python_client.notifications import NotificationsAPIClient


class NotifyEmailBackend(BaseEmailBackend):
    def __init__(self, fail_silently: bool = False, **kwargs) -> None:
        super().__init__(fail_silently=fail_silently, **kwargs)
        if not (settings.PLANWATCH_NOTIFY_API_KEY and settings.PLANWATCH_NOTIFY_TEMPLATE_ID):
            raise ImproperlyConfigured(
                "GOV.UK Notify needs PLANWATCH_NOTIFY_API_KEY and PLANWATCH_NOTIFY_TEMPLATE_ID"
            )
        self.client = NotificationsAPIClient(
            settings.PLANWATCH_NOTIFY_API_KEY, base_url=settings.PLANWATCH_NOTIFY_BASE_URL
        )

    def send_messages(self, email_messages) -> int:
        sent = 0
        for email in email_messages:
            for address in email.recipients():
                try:
                    self.client.send_email_notification(
                        email_address=address,
                        template_id=settings.PLANWATCH_NOTIFY_TEMPLATE_ID,
                        personalisation={"subject": email.subject, "body": email.body},
                    )
                except HTTPError:
                    if not self.fail_silently:
                        raise
                    continue
                sent += 1
        return sent
