"""The petitions' HTML forms (the pages validate with these; the actions layer checks again)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from motcua.petitions.actions.inputs import MAX_TEXT
from motcua.petitions.models import Kind, Origin, Topic


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class FilingForm(forms.Form):
    kind = forms.ChoiceField(label=_("Loại"), choices=Kind.choices)
    topic = forms.ChoiceField(label=_("Chủ đề"), choices=Topic.choices, initial=Topic.PROCEDURE)
    unit = forms.ChoiceField(label=_("Đơn vị nhận"), required=False)
    procedure = forms.CharField(label=_("Mã thủ tục (nếu có)"), required=False, max_length=64)
    dossier = forms.ChoiceField(label=_("Hồ sơ của tôi (nếu khiếu nại về hồ sơ)"), required=False)
    subject = forms.CharField(label=_("Tiêu đề"), max_length=200)
    body = forms.CharField(label=_("Nội dung"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 8}))
    attachments = MultipleFileField(label=_("Tệp đính kèm (PDF, JPEG, PNG; tối đa 5 tệp, mỗi tệp 10 MB)"),
                                    required=False)

    def __init__(self, *args, units=(), dossiers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", _("— chọn đơn vị —")), *units]
        self.fields["dossier"].choices = [("", _("— không —")), *dossiers]


class RegisterForm(FilingForm):
    origin = forms.ChoiceField(label=_("Nguồn tiếp nhận"),
                               choices=[c for c in Origin.choices if c[0] != Origin.ONLINE])
    contact_name = forms.CharField(label=_("Họ và tên người phản ánh"), max_length=255)
    contact = forms.CharField(label=_("Thư điện tử hoặc số điện thoại (nếu có)"), max_length=254, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["dossier"]
        self.fields["unit"].required = True


class ContactForm(forms.Form):
    contact = forms.CharField(label=_("Thư điện tử hoặc số điện thoại"), max_length=254)


class CodeForm(ContactForm):
    code = forms.RegexField(label=_("Mã xác thực (6 chữ số)"), regex=r"^[0-9]{6}$", max_length=6)
