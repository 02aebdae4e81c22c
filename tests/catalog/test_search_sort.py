"""Searching and sorting Vietnamese names, on the database in use (the suite runs on SQLite and
on PostgreSQL): every word of the search box must match, accents optional, in any order; lists
sort in Vietnamese alphabet order (a ă â b c d đ e ê …, tones after the letters)."""

from __future__ import annotations

import random
import unicodedata

import pytest
from django.db import connection
from django.db.models import Min
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from kiotsync.catalog.models import HvVariantRow, KvRow
from kiotsync.core.text import ALPHABET, query_words, sort_key
from kiotsync.search import matching, vietnamese
from kiotsync.tenants.models import Tenant

from .test_screens import hv, kv, make_shop, page_text, sign_in

pytestmark = pytest.mark.django_db

#: In Vietnamese alphabet order (what the lists must show): letters a ă â b c d đ e ê …, then
#: tones (a à ả ã á ạ) and case where the letters are the same — PostgreSQL's ICU "vi" order.
ORDERED = [
    "An",
    "Áo khoác bomber",
    "Áo thun cotton basic",
    "Ăn vặt Bà Tám",
    "Ấm trà",
    "Bạ",  # letters first ("ba" before "ba ba"), tones only break ties, as CLDR/ICU "vi" does
    "Bà ba",
    "Ba lô",
    "Bã mía",
    "Bá tước",
    "Bả vai",
    "Bia Tiger",
    "Dép lê",
    "Dê nướng",
    "Đá lạnh",
    "Đèn pin",
    "Em bé",
    "Ê ke",
    "Gà rán",
    "Gạo",
    "Gấu bông",
    "Khẩu trang vải",
    "Khuyên tai ngọc trai",
    "Nón lá",
    "Nồi cơm",
    "Nơ cài tóc",
    "Ô dù",
    "Ốc vít",
    "Ơn",
    "Túi đeo chéo mini",
    "Túi vải canvas",
    "U sầu",
    "Ư hự",
    "Vòng tay bạc",
    "Xà phòng",
]


@pytest.fixture
def shop(client: Client) -> Tenant:
    tenant = make_shop("2002")
    sign_in(client, tenant)
    return tenant


# -- sort ------------------------------------------------------------------------------------


def test_sort_key_puts_names_in_vietnamese_order() -> None:
    shuffled = ORDERED[:]
    random.Random(3).shuffle(shuffled)
    assert sorted(shuffled, key=sort_key) == ORDERED
    # The cases: "Áo …" among the A's, not after "Vòng tay bạc".
    assert sort_key("Áo thun") < sort_key("Vòng tay bạc")
    assert sort_key("Khẩu trang") < sort_key("Khuyên tai")
    assert sort_key("Túi đeo chéo") < sort_key("Túi vải")
    # Tones after the letters, in dictionary order; case last.
    assert sorted(["bạ", "bá", "bã", "bả", "bà", "ba"], key=sort_key) == ["ba", "bà", "bả", "bã", "bá", "bạ"]
    assert sort_key("ba") < sort_key("Ba") < sort_key("bà")
    # The same whatever the Unicode form the text came in.
    assert sort_key(unicodedata.normalize("NFD", "Ắc quy Đồng Nai")) == sort_key("Ắc quy Đồng Nai")


TONES = "\u0300\u0309\u0303\u0301\u0323"


def _primary(text: str) -> str:
    return sort_key(text).split("\x01", 1)[0]


@given(st.text(alphabet=ALPHABET + ALPHABET.upper() + "áàảãạấầẩẫậéèẻẽẹốồổỗộớờởỡợứừửữự 0123456789-"))
def test_case_and_tones_only_break_ties(text: str) -> None:
    """Two names that differ only by case or tone marks have the same letters (primary part),
    so they sort by their letters first."""
    untoned = unicodedata.normalize(
        "NFC", "".join(ch for ch in unicodedata.normalize("NFD", text) if ch not in TONES)
    )
    assert _primary(text) == _primary(text.upper()) == _primary(untoned)


def test_the_letters_follow_the_vietnamese_alphabet() -> None:
    assert sorted(ALPHABET, key=sort_key) == list(ALPHABET)
    assert ALPHABET.startswith("aăâbcdđeê")


def test_the_kiotviet_list_sorts_in_vietnamese_order(client: Client, shop: Tenant) -> None:
    shuffled = ORDERED[:]
    random.Random(5).shuffle(shuffled)
    for i, name in enumerate(shuffled):
        kv(shop, 5000 + i, name, f"VN{i:03d}")
    marker = 'data-testid="kv-row-'
    html = page_text(client.get("/products/kiotviet"))
    rows = [part.split('"', 1)[0] for part in html.split(marker)[1:]]
    by_id = {str(5000 + i): name for i, name in enumerate(shuffled)}
    assert [by_id[r] for r in rows] == ORDERED


def test_the_haravan_list_sorts_in_vietnamese_order(client: Client, shop: Tenant) -> None:
    shuffled = ORDERED[:]
    random.Random(7).shuffle(shuffled)
    for i, name in enumerate(shuffled):
        hv(shop, 100 + i, 1000 + i, name, f"HV{i:03d}")
    html = page_text(client.get("/products/haravan"))
    ids = [int(part.split('"', 1)[0]) for part in html.split('data-testid="hv-product-')[1:]]
    by_id = {100 + i: name for i, name in enumerate(shuffled)}
    assert [by_id[i] for i in ids] == ORDERED


def test_the_database_orders_as_the_sort_key_does(shop: Tenant) -> None:
    """The order the database gives (ICU "vi" on PostgreSQL, the sort key function on SQLite)
    is the sort key's, for the names above and for a group's MIN."""
    for i, name in enumerate(reversed(ORDERED)):
        kv(shop, 7000 + i, name, f"DB{i:03d}")
    got = list(
        KvRow.objects.filter(tenant=shop).order_by(vietnamese("name"), "kv_id").values_list("name", flat=True)
    )
    assert got == ORDERED, connection.vendor
    first = KvRow.objects.filter(tenant=shop).aggregate(first=Min(vietnamese("name")))["first"]
    assert first in (ORDERED[0], sort_key(ORDERED[0]))


# -- search ----------------------------------------------------------------------------------


def _catalogue(shop: Tenant) -> None:
    colours = ("Trắng", "Đen", "Xanh navy")
    n = 0
    for colour in colours:
        for size in ("S", "M"):
            n += 1
            full = f"Áo thun cotton basic - {colour} - {size}"
            kv(shop, 100 + n, "Áo thun cotton basic", f"ATCB-{n}", full_name=full, master_product_id=101)
    for size in ("29", "30", "31"):
        kv(
            shop,
            200 + int(size),
            "Quần jean slim fit",
            f"QJSF-{size}",
            full_name=f"Quần jean slim fit - {size}",
        )
    kv(shop, 300, "Áo khoác dù 300", "SP000030")
    kv(shop, 301, "Sản phẩm 110", "SP000110")
    kv(shop, 302, "Sản phẩm 011", "SP000011")
    kv(shop, 303, "Đèn ngủ", "SP000034", barcode="8938505974123")


def _found(client: Client, q: str) -> set[str]:
    html = page_text(client.get("/products/kiotviet", {"q": q}))
    ids = [int(part.split('"', 1)[0]) for part in html.split('data-testid="kv-row-')[1:]]
    return set(KvRow.objects.filter(kv_id__in=ids).values_list("code", flat=True))


def test_every_word_matches_accents_optional_in_any_order(client: Client, shop: Tenant) -> None:
    _catalogue(shop)
    black = {"ATCB-3", "ATCB-4"}
    for q in ("áo thun đen", "ao thun den", "ÁO THUN ĐEN", "den ao thun", "thun  đen", "Áo Thun Đen"):
        assert _found(client, q) == black, q
    assert _found(client, "ao thun den s") == {"ATCB-3"}
    assert _found(client, "jean 30") == {"QJSF-30"}
    assert _found(client, "30 jean") == {"QJSF-30"}
    assert _found(client, "qjsf 30") == {"QJSF-30"}  # a word after a hyphen
    assert _found(client, "den ngu") == {"SP000034"}
    # A word matches where a word starts: "11" is not inside "011"; a part of a code is.
    assert _found(client, "san pham 11") == {"SP000110"}
    assert _found(client, "000034") == {"SP000034"}
    assert _found(client, "8938505") == {"SP000034"}
    assert _found(client, "ao thun xanh do") == set()
    assert _found(client, "jean 32") == set()


def test_search_words_and_limits() -> None:
    assert query_words("  Áo  thun ĐEN áo ") == ["ao", "thun", "den"]
    assert query_words("") == []
    assert len(query_words(" ".join(f"w{i}" for i in range(40)))) == 12
    assert str(matching("")) == str(matching("   "))


def test_haravan_search_and_orders_search_use_the_same_rules(client: Client, shop: Tenant) -> None:
    hv(shop, 1, 11, "Túi đeo chéo mini", "TDC-DEN", variant_title="Đen")
    hv(shop, 2, 21, "Túi vải canvas", "TVC-01")
    html = page_text(client.get("/products/haravan", {"q": "mini tui den"}))
    assert 'data-testid="hv-product-1"' in html and 'data-testid="hv-product-2"' not in html
    assert HvVariantRow.objects.filter(matching("cheo tui")).count() == 1
