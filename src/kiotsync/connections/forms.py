"""Forms of the merchant's screens. Every error is written for a shop owner, in Vietnamese."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kiotsync.tenants.models import SyncSettings

_RETAILER_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{1,99}$")


def normalise_retailer(value: str) -> str:
    """Accept what owners paste: ``https://taphoaxyz.kiotviet.vn/...`` → ``taphoaxyz``."""
    value = value.strip().lower()
    value = re.sub(r"^https?://", "", value)
    value = value.split("/", 1)[0]
    value = re.sub(r"\.kiotviet\.vn$", "", value)
    return value


class KiotVietLoginForm(forms.Form):
    retailer = forms.CharField(
        label=_("Tên gian hàng (Retailer)"),
        max_length=100,
        help_text=_("Ví dụ: taphoaxyz (phần đầu của taphoaxyz.kiotviet.vn)."),
        error_messages={"required": _("Vui lòng nhập tên gian hàng KiotViet.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "data-testid": "retailer"}),
    )
    client_id = forms.CharField(
        label=_("Client ID"),
        max_length=100,
        error_messages={"required": _("Vui lòng nhập Client ID.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "data-testid": "client-id"}),
    )
    client_secret = forms.CharField(
        label=_("Mã bảo mật (Client Secret)"),
        max_length=200,
        error_messages={"required": _("Vui lòng nhập mã bảo mật.")},
        # render_value keeps what the owner typed when the form comes back with an error.
        widget=forms.PasswordInput(
            render_value=True, attrs={"autocomplete": "off", "data-testid": "client-secret"}
        ),
    )
    switch_retailer = forms.BooleanField(
        required=False,
        label=_("Chuyển cửa hàng sang gian hàng KiotViet này"),
        widget=forms.CheckboxInput(attrs={"data-testid": "switch-retailer"}),
    )

    def clean_retailer(self) -> str:
        value = normalise_retailer(self.cleaned_data["retailer"])
        if not _RETAILER_RE.match(value):
            raise forms.ValidationError(
                _("Tên gian hàng chỉ gồm chữ thường không dấu, số, dấu gạch ngang, ví dụ: taphoaxyz.")
            )
        return value

    def clean_client_id(self) -> str:
        value: str = self.cleaned_data["client_id"].strip()
        if " " in value:
            raise forms.ValidationError(
                _("Client ID không được chứa khoảng trắng. Hãy sao chép lại từ KiotViet.")
            )
        return value

    def clean_client_secret(self) -> str:
        value: str = self.cleaned_data["client_secret"].strip()
        if " " in value:
            raise forms.ValidationError(
                _("Mã bảo mật không được chứa khoảng trắng. Hãy sao chép lại từ KiotViet.")
            )
        return value


INTERVAL_CHOICES = [
    (5, _("5 phút")),
    (15, _("15 phút")),
    (30, _("30 phút")),
    (60, _("1 giờ")),
    (240, _("4 giờ")),
]

FLAG_LABELS = {
    "sync_name": _("Tên sản phẩm"),
    "sync_description": _("Mô tả"),
    "sync_price": _("Giá bán"),
    "sync_images": _("Hình ảnh"),
    "sync_category": _("Nhóm hàng → Loại sản phẩm"),
    "sync_weight": _("Trọng lượng"),
    "sync_barcode": _("Mã vạch"),
    "sync_stock": _("Tồn kho"),
    "sync_status": _("Đang kinh doanh → Hiển thị"),
}


class SettingsForm(forms.Form):
    """Choices come from the live platforms (branches, locations, price books)."""

    order_branch = forms.TypedChoiceField(
        label=_("Chi nhánh nhận đơn hàng"),
        coerce=int,
        help_text=_("Đơn hàng sẽ được đồng bộ trạng thái đến chi nhánh này."),
        error_messages={
            "required": _("Vui lòng chọn chi nhánh nhận đơn hàng."),
            "invalid_choice": _("Chi nhánh này không còn trong KiotViet. Vui lòng chọn lại."),
        },
    )
    stock_mode = forms.ChoiceField(
        label=_("Tồn kho đưa lên Haravan"),
        choices=SyncSettings.StockMode.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Vui lòng chọn cách đồng bộ tồn kho.")},
    )
    haravan_location = forms.TypedChoiceField(
        label=_("Kho Haravan nhận tồn kho"),
        coerce=int,
        help_text=_("Tồn kho từ KiotViet được ghi vào kho (chi nhánh) này trên Haravan."),
        error_messages={
            "required": _("Vui lòng chọn kho Haravan nhận tồn kho."),
            "invalid_choice": _("Kho này không còn trên Haravan. Vui lòng chọn lại."),
        },
    )
    order_side = forms.ChoiceField(
        label=_("Nơi xử lý đơn hàng"),
        choices=SyncSettings.OrderSide.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Vui lòng chọn nơi xử lý đơn hàng.")},
    )
    price_source = forms.ChoiceField(label=_("Giá lấy từ"), choices=SyncSettings.PriceSource.choices)
    price_book = forms.TypedChoiceField(
        label=_("Bảng giá"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("Chỉ dùng khi giá lấy từ bảng giá. Sản phẩm không có trong bảng giá sẽ dùng giá chung."),
        error_messages={"invalid_choice": _("Bảng giá này không còn trong KiotViet. Vui lòng chọn lại.")},
    )
    link_key = forms.ChoiceField(
        label=_("Liên kết sản phẩm theo"),
        choices=SyncSettings.LinkKey.choices,
        help_text=_("Sản phẩm hai bên có cùng mã sẽ được liên kết, không tạo trùng."),
    )
    auto_sync_interval_minutes = forms.TypedChoiceField(
        label=_("Chu kỳ kiểm tra định kỳ"),
        coerce=int,
        choices=INTERVAL_CHOICES,
        help_text=_(
            "Thay đổi từ KiotViet được đẩy ngay qua webhook; chu kỳ này là lần kiểm tra bổ sung để không bỏ sót."
        ),
    )

    def __init__(
        self,
        *args: Any,
        branches: list[tuple[int, str]],
        locations: list[tuple[int, str]],
        price_books: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["order_branch"].choices = [("", _("— Chọn chi nhánh —")), *branches]  # type: ignore[attr-defined]
        self.fields["haravan_location"].choices = [("", _("— Chọn kho —")), *locations]  # type: ignore[attr-defined]
        self.fields["price_book"].choices = [("", _("— Không dùng —")), *price_books]  # type: ignore[attr-defined]
        for name, label in FLAG_LABELS.items():
            self.fields[name] = forms.BooleanField(label=label, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("price_source") == SyncSettings.PriceSource.PRICE_BOOK and not data.get("price_book"):
            self.add_error("price_book", _("Bạn chọn lấy giá từ bảng giá: vui lòng chọn một bảng giá."))
        return data

    def flag_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in FLAG_LABELS]
