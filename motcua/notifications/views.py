"""The notification pages: a person's channels (profile), and the dead-letter list for administrators."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from motcua.lib import deliveries
from motcua.notifications import channels
from motcua.notifications.delivery import QUEUE
from motcua.notifications.forms import PreferenceForm
from motcua.notifications.models import Preference

DEAD_PAGE = 100


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    """How the signed-in person hears from the platform: e-mail, SMS and the phone number for it."""
    pref = Preference.objects.filter(user=request.user).first()
    if request.method == "POST":
        form = PreferenceForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            Preference.objects.update_or_create(
                user=request.user, defaults={"email": data["email"], "sms": data["sms"], "phone": data["phone"]},
            )
            if "address" in request.POST and data["address"] != request.user.email:
                request.user.email = data["address"]
                request.user.save(update_fields=["email"])
            messages.success(request, _("Đã lưu cách bạn nhận thông báo."))
            return redirect("notifications:profile")
        status = 422
    else:
        initial = {"email": True, "sms": False, "phone": "", "address": request.user.email}
        if pref is not None:
            initial = {"email": pref.email, "sms": pref.sms, "phone": pref.phone, "address": request.user.email}
        elif getattr(request.user, "citizen", None) is not None and request.user.citizen.phone:
            initial["phone"] = request.user.citizen.phone  # the number the e-ID knows, to confirm
        form = PreferenceForm(initial=initial)
        status = 200
    return render(request, "notifications/profile.html", {
        "form": form, "sms_available": "sms" in channels.available(),
    }, status=status)


def _administrator(request: HttpRequest) -> None:
    # Dead letters hold every recipient's address and message: the site's administrators only.
    if not (request.user.is_authenticated and request.user.is_superuser):
        raise Http404


@require_http_methods(["GET", "POST"])
def dead_letters(request: HttpRequest) -> HttpResponse:
    """Dead deliveries to inspect, and replay (one, or every queue's)."""
    _administrator(request)
    if request.method == "POST":
        which = request.POST.get("replay", "")
        # "all", or one dead delivery: "<queue>:<id>" (a bare id is the outbox's own, e-mail or SMS).
        name, _sep, pk = which.rpartition(":")
        queue = {q.name: q for q in deliveries.queues()}.get(name or QUEUE.name)
        if which == "all":
            n = sum(q.replay() for q in deliveries.queues())
        elif queue is not None and pk.isdigit() and len(pk) <= 18:
            n = queue.replay([int(pk)])
        else:
            return HttpResponse(_("Yêu cầu không hợp lệ."), status=400)
        messages.success(request, _("Đã đưa %(n)s thông báo trở lại hàng đợi gửi.") % {"n": n})
        return redirect("notifications:dead_letters")
    counts = [(q.name, channel, c) for q in deliveries.queues() for channel, c in q.counts().items()]
    # Every queue's dead letters (the outbox's mail and SMS, webhooks, the national sync), newest first.
    dead = sorted(((q.name, d) for q in deliveries.queues() for d in q.dead(DEAD_PAGE)),
                  key=lambda qd: qd[1].created_at, reverse=True)[:DEAD_PAGE]
    return render(request, "notifications/dead_letters.html", {"counts": counts, "dead": dead, "limit": DEAD_PAGE})
