"""Folding for accent-free search (kiotsync.core.text)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kiotsync.core.text import SEPARATOR, fold, search_text

VIETNAMESE = "aăâbcdđeêghiklmnoôơpqrstuưvxyáàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ"


def test_fold_drops_accents_case_and_extra_spaces() -> None:
    assert fold("Áo thun  ĐEN") == "ao thun den"
    assert fold("Nguyễn Văn An") == "nguyen van an"
    assert fold("Bình giữ nhiệt ƯỚT") == "binh giu nhiet uot"
    assert fold("SP-000034") == "sp-000034"


@given(st.text(alphabet=VIETNAMESE + VIETNAMESE.upper() + " 0123456789-"))
def test_folded_vietnamese_is_plain_ascii_and_stable(text: str) -> None:
    folded = fold(text)
    assert folded.isascii()
    assert fold(folded) == folded
    assert fold(text.upper()) == folded


def test_search_text_keeps_fields_apart() -> None:
    text = search_text("Áo thun", None, "AT-01", "")
    assert text == f"ao thun{SEPARATOR}at-01"
    assert fold("thun at") not in text  # a query never spans two fields
