"""Reason codes: why a row was not (or not fully) synced, in machine form plus default texts.

The planners attach a `Reason` (code + string params) to statuses. The UI renders its own
Vietnamese text from the code and params; `Reason.message()` / `Reason.fix()` give defaults in
Vietnamese ("vi", the default) and English ("en"). `ATTENTION` codes need the merchant to act
("Cần xử lý"); `INFO` codes only explain.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    ATTENTION = "attention"
    INFO = "info"


class ReasonCode(StrEnum):
    # needs attention — mapping problems
    EMPTY_KEY = "empty_key"
    DUPLICATE_KEY_KIOTVIET = "duplicate_key_kiotviet"
    DUPLICATE_KEY_HARAVAN = "duplicate_key_haravan"
    KEY_LINKED_ELSEWHERE = "key_linked_elsewhere"
    TOO_MANY_OPTIONS = "too_many_options"
    MISSING_OPTION_VALUE = "missing_option_value"
    DUPLICATE_OPTION_VALUES = "duplicate_option_values"
    TOO_MANY_VARIANTS = "too_many_variants"
    GROUP_SPLIT = "group_split"
    PRODUCT_SHARED = "product_shared"
    OPTIONS_MISMATCH = "options_mismatch"
    HARAVAN_VARIANT_MISSING = "haravan_variant_missing"
    DELETED_ON_HARAVAN = "deleted_on_haravan"
    BARCODE_TOO_LONG = "barcode_too_long"
    # needs attention — stock cannot be computed
    COMBO_COMPONENT_MISSING = "combo_component_missing"
    COMBO_WITHOUT_COMPONENTS = "combo_without_components"
    COMBO_CYCLE = "combo_cycle"
    BASE_UNIT_MISSING = "base_unit_missing"
    INVALID_QUANTITY = "invalid_quantity"
    # information only
    OPTED_OUT = "opted_out"
    INACTIVE = "inactive"
    DELETED_IN_KIOTVIET = "deleted_in_kiotviet"
    SERVICE_NOT_TRACKED = "service_not_tracked"
    NOT_LINKED = "not_linked"
    NO_STOCK_DATA = "no_stock_data"
    STALE_OBSERVATION = "stale_observation"
    STOCK_SYNC_OFF = "stock_sync_off"


@dataclass(frozen=True)
class ReasonText:
    """Default texts for one code. Templates use `{param}` placeholders."""

    severity: Severity
    vi: str
    en: str
    fix_vi: str
    fix_en: str


_A, _I = Severity.ATTENTION, Severity.INFO

CATALOGUE: Mapping[ReasonCode, ReasonText] = {
    ReasonCode.EMPTY_KEY: ReasonText(
        _A,
        "Hàng hóa “{name}” chưa có {field} nên không thể liên kết với Haravan.",
        "Product “{name}” has no {field}, so it cannot be linked to Haravan.",
        "Nhập {field} cho hàng hóa trên KiotViet.",
        "Enter a {field} for the product in KiotViet.",
    ),
    ReasonCode.DUPLICATE_KEY_KIOTVIET: ReasonText(
        _A,
        "{field} “{key}” bị trùng trên KiotViet ({codes}).",
        "The {field} “{key}” is used by several KiotViet products ({codes}).",
        "Sửa để mỗi hàng hóa có {field} riêng.",
        "Give each product its own {field}.",
    ),
    ReasonCode.DUPLICATE_KEY_HARAVAN: ReasonText(
        _A,
        "{field} “{key}” bị trùng trên Haravan ({count} phiên bản).",
        "The {field} “{key}” is used by {count} Haravan variants.",
        "Sửa trên Haravan để {field} này chỉ còn ở một phiên bản.",
        "Edit Haravan so that only one variant carries this {field}.",
    ),
    ReasonCode.KEY_LINKED_ELSEWHERE: ReasonText(
        _A,
        "“{key}” đã được liên kết với một sản phẩm khác ({other}).",
        "“{key}” is already linked to another product ({other}).",
        "Hủy liên kết cũ, hoặc đổi mã nếu đây là hai sản phẩm khác nhau.",
        "Unlink the old pair, or change the code if these are different products.",
    ),
    ReasonCode.TOO_MANY_OPTIONS: ReasonText(
        _A,
        "Hàng hóa có {count} thuộc tính ({names}), Haravan chỉ cho phép tối đa 3.",
        "The product has {count} attributes ({names}); Haravan allows at most 3 options.",
        "Giảm số thuộc tính (kể cả đơn vị tính) trên KiotViet xuống tối đa 3.",
        "Reduce the attributes (units count as one) in KiotViet to three or fewer.",
    ),
    ReasonCode.MISSING_OPTION_VALUE: ReasonText(
        _A,
        "Hàng hóa {code} thiếu giá trị cho “{option}”.",
        "Product {code} has no value for “{option}”.",
        "Nhập giá trị “{option}” cho hàng hóa trên KiotViet.",
        "Fill in “{option}” for this product in KiotViet.",
    ),
    ReasonCode.DUPLICATE_OPTION_VALUES: ReasonText(
        _A,
        "Các hàng hóa {codes} có cùng thuộc tính ({values}), Haravan không phân biệt được.",
        "Products {codes} have identical attributes ({values}); Haravan cannot tell them apart.",
        "Đặt giá trị thuộc tính khác nhau cho từng hàng hóa cùng loại trên KiotViet.",
        "Give each variant distinct attribute values in KiotViet.",
    ),
    ReasonCode.TOO_MANY_VARIANTS: ReasonText(
        _A,
        "Sản phẩm cần {count} phiên bản, Haravan chỉ cho phép tối đa {limit}.",
        "The product needs {count} variants; Haravan allows at most {limit}.",
        "Tách nhóm hàng cùng loại trên KiotViet thành các nhóm nhỏ hơn.",
        "Split the KiotViet variant group into smaller groups.",
    ),
    ReasonCode.GROUP_SPLIT: ReasonText(
        _A,
        "Các hàng hóa cùng loại này nằm ở nhiều sản phẩm Haravan khác nhau ({hv_product_ids}).",
        "This KiotViet variant group is spread over several Haravan products ({hv_product_ids}).",
        "Gộp các phiên bản về một sản phẩm trên Haravan (hoặc sửa SKU), rồi đồng bộ lại.",
        "Merge the variants into one Haravan product (or fix the SKUs), then sync again.",
    ),
    ReasonCode.PRODUCT_SHARED: ReasonText(
        _A,
        "Sản phẩm Haravan {hv_product_id} chứa phiên bản của nhiều hàng hóa KiotViet khác nhau ({kv_group_ids}).",
        "Haravan product {hv_product_id} holds variants of several KiotViet products ({kv_group_ids}).",
        "Tách sản phẩm trên Haravan, hoặc gộp các hàng hóa thành một nhóm hàng cùng loại trên KiotViet.",
        "Split the Haravan product, or make the KiotViet products one variant group.",
    ),
    ReasonCode.OPTIONS_MISMATCH: ReasonText(
        _A,
        "Sản phẩm Haravan có {hv_count} tùy chọn nhưng KiotViet có {kv_count} thuộc tính; "
        "không thể thêm phiên bản.",
        "The Haravan product has {hv_count} options but KiotViet has {kv_count} attributes; "
        "the variant cannot be added.",
        "Sửa tùy chọn của sản phẩm trên Haravan cho khớp với thuộc tính KiotViet.",
        "Make the Haravan product's options match the KiotViet attributes.",
    ),
    ReasonCode.HARAVAN_VARIANT_MISSING: ReasonText(
        _A,
        "Phiên bản Haravan đã liên kết ({hv_variant_id}) không còn tồn tại.",
        "The linked Haravan variant ({hv_variant_id}) no longer exists.",
        "Bấm “Đồng bộ lại”: ứng dụng đọc lại Haravan, gỡ liên kết cũ và tạo lại nếu cần.",
        "Press “Sync again”: the app reads Haravan again, drops the old link and recreates it if needed.",
    ),
    ReasonCode.BARCODE_TOO_LONG: ReasonText(
        _A,
        "Mã vạch “{barcode}” dài hơn {limit} ký tự mà KiotViet cho phép.",
        "Barcode “{barcode}” is longer than the {limit} characters KiotViet accepts.",
        "Rút ngắn mã vạch trên Haravan.",
        "Shorten the barcode in Haravan.",
    ),
    ReasonCode.COMBO_COMPONENT_MISSING: ReasonText(
        _A,
        "Không tìm thấy thành phần (ID {component_id}) của hàng combo nên không tính được tồn kho.",
        "A component of this combo (id {component_id}) is missing, so its stock cannot be computed.",
        "Kiểm tra thành phần của combo trên KiotViet, rồi đồng bộ lại.",
        "Check the combo's components in KiotViet, then sync again.",
    ),
    ReasonCode.COMBO_WITHOUT_COMPONENTS: ReasonText(
        _A,
        "Hàng combo chưa có thành phần nên không tính được tồn kho.",
        "This combo has no components, so its stock cannot be computed.",
        "Thêm thành phần cho combo trên KiotViet.",
        "Add the components of the combo in KiotViet.",
    ),
    ReasonCode.COMBO_CYCLE: ReasonText(
        _A,
        "Thành phần của hàng combo chứa lại chính nó.",
        "The combo contains itself, directly or through another combo.",
        "Sửa thành phần của combo trên KiotViet.",
        "Fix the combo's components in KiotViet.",
    ),
    ReasonCode.BASE_UNIT_MISSING: ReasonText(
        _A,
        "Không tìm thấy hàng hóa đơn vị cơ bản (ID {base_id}) để quy đổi tồn kho.",
        "The base-unit product (id {base_id}) is missing, so the converted stock cannot be computed.",
        "Kiểm tra đơn vị tính của hàng hóa trên KiotViet, rồi đồng bộ lại.",
        "Check the product's units in KiotViet, then sync again.",
    ),
    ReasonCode.INVALID_QUANTITY: ReasonText(
        _A,
        "Giá trị quy đổi hoặc số lượng thành phần không hợp lệ ({value}).",
        "Invalid conversion value or component quantity ({value}).",
        "Sửa giá trị quy đổi đơn vị / số lượng thành phần trên KiotViet (phải lớn hơn 0).",
        "Fix the unit conversion / component quantity in KiotViet (it must be above 0).",
    ),
    ReasonCode.DELETED_ON_HARAVAN: ReasonText(
        _I,
        "Sản phẩm đã bị xóa trên Haravan nên ứng dụng ngừng đồng bộ sản phẩm này.",
        "The product was deleted on Haravan, so the app stopped syncing it.",
        "Bật lại đồng bộ cho sản phẩm nếu muốn tạo lại trên Haravan.",
        "Turn sync back on for this product to create it on Haravan again.",
    ),
    ReasonCode.OPTED_OUT: ReasonText(
        _I,
        "Không đồng bộ theo lựa chọn của bạn.",
        "Excluded from sync by your choice.",
        "Bật lại đồng bộ cho sản phẩm nếu muốn.",
        "Turn sync back on for this product if you want it synced.",
    ),
    ReasonCode.INACTIVE: ReasonText(
        _I,
        "Hàng hóa ngừng kinh doanh trên KiotViet.",
        "The product is inactive in KiotViet.",
        "Cho hàng hóa kinh doanh trở lại nếu muốn bán trên Haravan.",
        "Reactivate it in KiotViet to sell it on Haravan.",
    ),
    ReasonCode.DELETED_IN_KIOTVIET: ReasonText(
        _I,
        "Hàng hóa đã bị xóa trên KiotViet; sản phẩm Haravan được ẩn (không xóa).",
        "The product was deleted in KiotViet; the Haravan product is hidden, not deleted.",
        "Xóa sản phẩm trên Haravan nếu không còn cần.",
        "Delete the Haravan product yourself if it is no longer needed.",
    ),
    ReasonCode.SERVICE_NOT_TRACKED: ReasonText(
        _I,
        "Hàng dịch vụ không quản lý tồn kho.",
        "Services are not stock-tracked.",
        "Không cần làm gì.",
        "Nothing to do.",
    ),
    ReasonCode.NOT_LINKED: ReasonText(
        _I,
        "Chưa liên kết với Haravan; tồn kho sẽ đồng bộ sau khi sản phẩm được tạo hoặc liên kết.",
        "Not linked to Haravan yet; stock follows once the product is created or linked.",
        "Không cần làm gì, hoặc xem trạng thái đồng bộ sản phẩm.",
        "Nothing to do, or check the product's sync status.",
    ),
    ReasonCode.NO_STOCK_DATA: ReasonText(
        _I,
        "Chưa có dữ liệu tồn kho từ KiotViet.",
        "No stock data from KiotViet yet.",
        "Chờ lần đồng bộ tiếp theo.",
        "Wait for the next sync.",
    ),
    ReasonCode.STALE_OBSERVATION: ReasonText(
        _I,
        "Bỏ qua dữ liệu tồn kho cũ hơn dữ liệu đã đồng bộ.",
        "Ignored stock data older than what was already applied.",
        "Không cần làm gì.",
        "Nothing to do.",
    ),
    ReasonCode.STOCK_SYNC_OFF: ReasonText(
        _I,
        "Tồn kho không được chọn đồng bộ; chỉ ghi một lần khi tạo sản phẩm.",
        "Stock is not ticked for sync; it is written once, when the product is created.",
        "Chọn đồng bộ tồn kho trong cài đặt nếu muốn.",
        "Tick stock in the settings if you want it kept in sync.",
    ),
}

#: Labels for the `field` param, per language.
FIELD_LABELS: Mapping[str, Mapping[str, str]] = {
    "vi": {"code": "mã hàng", "barcode": "mã vạch", "sku": "SKU"},
    "en": {"code": "code", "barcode": "barcode", "sku": "SKU"},
}


class _Lenient(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@dataclass(frozen=True)
class Reason:
    """A reason code with string params (sorted pairs, so reasons are hashable and comparable)."""

    code: ReasonCode
    params: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, reason_code: ReasonCode, /, **params: object) -> Reason:
        return cls(reason_code, tuple(sorted((k, _param_text(v)) for k, v in params.items())))

    @property
    def severity(self) -> Severity:
        return CATALOGUE[self.code].severity

    @property
    def needs_attention(self) -> bool:
        return self.severity is Severity.ATTENTION

    def param(self, name: str) -> str | None:
        return dict(self.params).get(name)

    def message(self, lang: str = "vi") -> str:
        text = CATALOGUE[self.code]
        return self._render(text.en if lang == "en" else text.vi, lang)

    def fix(self, lang: str = "vi") -> str:
        text = CATALOGUE[self.code]
        return self._render(text.fix_en if lang == "en" else text.fix_vi, lang)

    def _render(self, template: str, lang: str) -> str:
        values = _Lenient(self.params)
        if "field" in values:
            values["field"] = FIELD_LABELS.get(lang, FIELD_LABELS["vi"]).get(values["field"], values["field"])
        rendered = template.format_map(values)
        return rendered[:1].upper() + rendered[1:]


def _param_text(value: object) -> str:
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
        return ", ".join(str(v) for v in items)
    return str(value)
