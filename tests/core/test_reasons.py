"""The reason catalogue is complete and renders in both languages."""

from __future__ import annotations

import re

import pytest

from kiotsync.core.catalog import CATALOGUE, Reason, ReasonCode, Severity

PARAMS = {
    "field": "barcode",
    "name": "Áo",
    "key": "SP01",
    "codes": "SP01, SP02",
    "count": "4",
    "other": "SP09",
    "names": "Màu, Size",
    "code": "SP01",
    "option": "Màu",
    "values": "Đỏ / L",
    "limit": "100",
    "hv_product_ids": "1, 2",
    "hv_product_id": "1",
    "kv_group_ids": "10, 20",
    "hv_count": "2",
    "kv_count": "1",
    "hv_variant_id": "5",
    "barcode": "123",
    "component_id": "7",
    "base_id": "8",
    "value": "0",
}


@pytest.mark.parametrize("code", list(ReasonCode))
def test_every_code_has_texts_that_render(code: ReasonCode) -> None:
    text = CATALOGUE[code]
    reason = Reason.of(code, **PARAMS)
    for lang in ("vi", "en"):
        for rendered in (reason.message(lang), reason.fix(lang)):
            assert rendered and not re.search(r"\{\w+\}", rendered), rendered
    assert text.vi != text.en and text.fix_vi != text.fix_en


def test_field_labels_are_translated_and_messages_capitalised() -> None:
    reason = Reason.of(ReasonCode.DUPLICATE_KEY_KIOTVIET, field="barcode", key="893", codes=["A", "B"])
    assert reason.message() == "Mã vạch “893” bị trùng trên KiotViet (A, B)."
    assert reason.message("en") == "The barcode “893” is used by several KiotViet products (A, B)."


def test_severity_splits_attention_from_information() -> None:
    assert Reason.of(ReasonCode.GROUP_SPLIT).needs_attention
    assert Reason.of(ReasonCode.OPTED_OUT).severity is Severity.INFO
    assert not Reason.of(ReasonCode.STALE_OBSERVATION).needs_attention


def test_docs_table_lists_every_code() -> None:
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "planner.md").read_text(encoding="utf-8")
    missing = [code.value for code in ReasonCode if f"| `{code.value}` |" not in doc]
    assert not missing
