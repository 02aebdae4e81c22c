"""Forms of the orders screen."""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

#: How far back an import may reach (KiotViet keeps orders for ever, but a larger import is a
#: migration, not a catch-up; guess at what a merchant needs).
IMPORT_MAX_DAYS = 90


#: Days as Vietnamese shops write them (ngày/tháng/năm), in either language; ISO dates too.
DATE_FORMATS = ["%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%y", "%Y-%m-%d"]


class ImportForm(forms.Form):
    # A text box rather than the browser's date picker, which shows the browser's own order
    # (mm/dd/yyyy on an English browser) whatever the page's language.
    since = forms.DateField(
        label=_("Nhập đơn từ ngày"),
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(
            format="%d/%m/%Y",
            attrs={
                "data-testid": "import-since",
                "placeholder": _("ngày/tháng/năm, ví dụ 01/12/2026"),
                "inputmode": "numeric",
                "autocomplete": "off",
                "maxlength": "10",
            },
        ),
        error_messages={
            "required": _("Chọn ngày bắt đầu."),
            "invalid": _("Ngày không hợp lệ. Nhập theo dạng ngày/tháng/năm, ví dụ 01/12/2026."),
        },
        help_text=_("Các đơn đặt từ ngày này (tối đa 90 ngày trước) sẽ được chuyển như đơn mới."),
    )

    def clean_since(self) -> date:
        value: date = self.cleaned_data["since"]
        today = timezone.localdate()
        if value > today:
            raise forms.ValidationError(_("Ngày bắt đầu không được ở tương lai."))
        if value < today - timedelta(days=IMPORT_MAX_DAYS):
            raise forms.ValidationError(
                _("Chỉ nhập được đơn trong vòng %(days)s ngày gần đây.") % {"days": IMPORT_MAX_DAYS}
            )
        return value
