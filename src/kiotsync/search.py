"""Searching and sorting the rows the screens list, in Vietnamese, on SQLite and PostgreSQL.

**Search.** Rows keep a folded copy of their searchable fields (``search_text``); ``save()``
refreshes it, bulk writers (the mirrors' ingest) set it themselves with
:func:`kiotsync.core.text.search_text` over the same fields. A search box matches when *every*
word it holds is found, accents optional, in any order (:func:`matching`): "áo thun đen", "ao
thun den" and "den ao thun" all find "Áo thun cotton basic - Đen - S", "jean 30" finds "Quần
jean slim fit - 30". A typed word matches where a word of the text starts (after a space or
a punctuation mark: "30" finds "QJSF-30" but "11" does not find "Sản phẩm 011"), except a
part of a code (4 characters or more with a digit), which matches anywhere.

What a search box sends goes through :func:`search_query` before it is shown or searched. Both
databases have limits a typed (or crafted) query can hit, each a 500 before: PostgreSQL text
cannot hold a NUL character, SQLite refuses a LIKE pattern over 50 000 bytes. This is done
here, where the text meets the database, rather than in a middleware over every query
parameter: the search boxes are the only free text from a URL that reaches a query (filters
are matched against fixed choices, ``page`` is parsed by the paginator, ids by the ``<id:…>``
converter), and the length limit belongs to searching anyway.

**Sort.** :func:`vietnamese` orders a text column in Vietnamese alphabet order (a ă â b c d đ
e ê …, tones after the letters), the same on both databases: PostgreSQL with its ICU collation
``vi-x-icu``; SQLite with :func:`kiotsync.core.text.sort_key`, registered on every SQLite
connection as the deterministic SQL function ``kiotsync_vi_key`` (the two agree:
tests/catalog/test_search_sort.py runs on both stacks).

Chosen by measuring the product list's page query — group the rows, ``MIN(name)`` per group,
order, one page of 50 (page 51) — on 10,000 KiotViet rows, median of 15 runs, ms
(``KIOTSYNC_MEASURE_SORT=1 pytest -s tests/catalog/test_sort_measure.py``; 2 shared cores,
other test runs going on, so figures moved by ±30 % between runs; the ranking never did)::

                                         SQLite   PostgreSQL
    byte order (not Vietnamese)            18.7      14.8
    stored sort-key column                 17.7      12.3   (COLLATE "C")
    ICU collation at query time              —       21.6   vi-x-icu         <- chosen
    Python sort key as an SQL function     21.8        —    kiotsync_vi_key  <- chosen
    Python collation (create_collation)   536.6        —
    every group's key sorted in Python     36.1      57.2
    the chosen sort with a 2-word search    9.6       9.8
    PyICU sort keys, 10,000 names           4.2  (core.text.sort_key: 20.5)

The query-time mechanisms cost 3–7 ms more per page than a stored sort-key column and cannot go
stale; a stored column would have to be filled by every writer of the mirrors (the ingest
writes rows with prepared statements, not ``save()``), and a key left stale sorts silently
wrong. A Python collation compares in Python (25–50 times slower); sorting in Python reads
every group on every page. PyICU makes keys 5 times faster than :func:`sort_key` but is a
compiled dependency (ICU headers at install) for what PostgreSQL's ICU and 80 lines of Python
do; on the same names the two give the same order.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import lru_cache
from typing import Any, ClassVar

from django.db import models
from django.db.backends.signals import connection_created
from django.db.models.expressions import Combinable
from django.db.models.functions import Collate

from kiotsync.core.text import query_words, search_text, sort_key

log = logging.getLogger(__name__)

#: The longest query kept: longer than any searched field (names: 500 characters), far below
#: SQLite's LIKE pattern limit.
MAX_QUERY_LENGTH = 500

#: PostgreSQL's ICU collation for Vietnamese (present when PostgreSQL is built with ICU, as the
#: official packages and images are).
PG_COLLATION = "vi-x-icu"
#: The SQL function SQLite connections get for :func:`kiotsync.core.text.sort_key`.
SQLITE_FUNCTION = "kiotsync_vi_key"


def search_query(raw: str) -> str:
    """A search box's text as the screen shows and searches it: trimmed, at most
    :data:`MAX_QUERY_LENGTH` characters, without NUL (no stored text can contain one, so
    dropping it loses no match)."""
    return raw.replace("\x00", "").strip()[:MAX_QUERY_LENGTH]


#: What may come before a word in the folded text: a word starts the text or follows one of
#: these (space, the field separator's spaces, and the punctuation of names and codes).
WORD_STARTS = " -#(/._,+&:;'\"["


def _word(word: str) -> models.Q:
    """A typed word found where a word of the text starts ("11" finds "Sản phẩm 110", not
    "Sản phẩm 011"; "30" finds "QJSF-30"); a part of a code (4 or more characters with a digit)
    anywhere ("000034" finds "SP000034")."""
    anywhere = models.Q(search_text__contains=word)
    if len(word) >= 4 and any(ch.isdigit() for ch in word):
        return anywhere
    starts = models.Q(search_text__startswith=word)
    for start in WORD_STARTS:
        starts |= models.Q(search_text__contains=start + word)
    # The plain "contains" first: most rows fail it, and never reach the word-start checks.
    return anywhere & starts


def matching(q: str) -> models.Q:
    """Every word of the search box, accent- and case-free, in ``search_text``, in any order:
    "ao thun den" and "den ao thun" find "Áo thun cotton basic - ĐEN - S", "jean 30" finds
    "Quần jean slim fit - 30", on SQLite as on PostgreSQL. A box with no word matches
    everything."""
    found = models.Q()
    for word in query_words(search_query(q)):
        found &= _word(word)
    return found


@lru_cache(maxsize=65536)
def _cached_key(text: str | None) -> str | None:
    return None if text is None else sort_key(text)


def _register(sender: Any, connection: Any, **kwargs: Any) -> None:
    """Give each new SQLite connection the Vietnamese sort key function."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(SQLITE_FUNCTION, 1, _cached_key, deterministic=True)


connection_created.connect(_register, dispatch_uid="kiotsync.search.vi_key")


class _ViKey(models.Func):
    function = SQLITE_FUNCTION
    output_field = models.TextField()


def _pg_collation(connection: Any) -> bool:
    """PostgreSQL was built with ICU (and so has "vi"): asked once per connection."""
    known = getattr(connection, "_kiotsync_vi_collation", None)
    if known is None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_collation WHERE collname = %s", [PG_COLLATION])
            known = cursor.fetchone() is not None
        if not known:
            log.warning(
                "PostgreSQL has no %s collation (built without ICU): lists sort by code point", PG_COLLATION
            )
        connection._kiotsync_vi_collation = known
    return bool(known)


def vietnamese(field: str) -> Combinable:
    """``field`` as an expression that orders (and ``Min``/``Max``-es) in Vietnamese alphabet
    order on the database in use."""
    from django.db import connection

    if connection.vendor == "postgresql" and _pg_collation(connection):
        return Collate(models.F(field), PG_COLLATION)
    if connection.vendor == "sqlite":
        return _ViKey(models.F(field))
    return models.F(field)


class Searchable(models.Model):
    #: The fields folded into ``search_text``, in order.
    SEARCHED: ClassVar[tuple[str, ...]] = ()

    search_text = models.TextField(blank=True, default="")

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.search_text = search_text(*(getattr(self, f) for f in self.SEARCHED))
        kwargs["update_fields"] = _with_search_text(kwargs.get("update_fields"), self.SEARCHED)
        super().save(*args, **kwargs)


def _with_search_text(update_fields: Iterable[str] | None, searched: Iterable[str]) -> list[str] | None:
    """``update_fields`` plus ``search_text`` when a searched field is among them."""
    if update_fields is None:
        return None
    fields = list(update_fields)
    if set(fields) & set(searched) and "search_text" not in fields:
        fields.append("search_text")
    return fields
