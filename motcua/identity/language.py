"""The language a person chose, remembered on their account.

Pages follow the language cookie; mail and other messages written outside a
request need the choice stored with the person.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language


def language_of(user) -> str:
    """The language to write to this person in, outside a request: their choice, else the site's."""
    return user.language if user.language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def _remember(user, language: str) -> None:
    if language in dict(settings.LANGUAGES) and user.language != language:
        user.language = language
        user.save(update_fields=["language"])


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch, remembered for a signed-in user."""
    response = django_set_language(request)
    if request.user.is_authenticated:
        _remember(request.user, request.POST.get("language", ""))
    return response


@receiver(user_logged_in)
def _language_at_login(sender, request, user, **kwargs) -> None:
    # A person who never chose is taken to read the language they signed in with.
    if not user.language and request is not None:
        _remember(user, translation.get_language() or settings.LANGUAGE_CODE)
