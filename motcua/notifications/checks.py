"""Start-up checks of the SMS settings: a provider that cannot send is said at start, not at the first SMS."""

from __future__ import annotations

from django.conf import settings
from django.core import checks


@checks.register()
def sms_provider(app_configs, **kwargs) -> list[checks.CheckMessage]:
    name = settings.SMS_PROVIDER
    if not name:
        return []
    from motcua.notifications.channels.sms import _providers

    if name not in _providers:
        return [checks.Error(f"SMS_PROVIDER={name!r} is not a known SMS provider ({', '.join(sorted(_providers))}).",
                             id="notifications.E001")]
    if name == "http" and not settings.SMS_HTTP_URL:
        return [checks.Error("SMS_PROVIDER=http needs SMS_HTTP_URL (the provider's send address).",
                             id="notifications.E002")]
    if name == "demo" and not settings.DEMO_SMS_ENABLED:
        return [checks.Error("SMS_PROVIDER=demo needs DEMO_SMS_ENABLED (the bundled demo gateway).",
                             id="notifications.E003")]
    return []
