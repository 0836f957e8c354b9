"""The notifications tests' shared fixtures: the real SMTP server (aiosmtpd) and the demo people with addresses."""

from tests.notifications.test_notifications_mail import people, smtp  # noqa: F401 - fixtures, shared
