"""The citizen's (and officer's) choice of channels, on their profile page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from motcua.notifications import phones


class PreferenceForm(forms.Form):
    email = forms.BooleanField(label=_("Nhận thông báo qua thư điện tử"), required=False)
    sms = forms.BooleanField(label=_("Nhận thông báo qua tin nhắn SMS"), required=False)
    # The account's own address (the e-ID gives none): the mail goes there. Left out of a post, it is not changed.
    address = forms.EmailField(
        label=_("Địa chỉ thư điện tử"), required=False, max_length=254,
        error_messages={"invalid": _("Địa chỉ thư điện tử không hợp lệ.")},
    )
    phone = forms.CharField(
        label=_("Số điện thoại di động"), required=False, max_length=32,
        help_text=_("Số Việt Nam (ví dụ 0912 345 678) hoặc số quốc tế bắt đầu bằng “+”."),
    )

    def clean_phone(self) -> str:
        value = self.cleaned_data["phone"]
        return phones.normalize(value) if value.strip() else ""

    def clean(self):
        data = super().clean()
        if data.get("sms") and not data.get("phone") and "phone" not in self.errors:
            self.add_error("phone", _("Hãy nhập số điện thoại di động để nhận tin nhắn SMS."))
        return data
