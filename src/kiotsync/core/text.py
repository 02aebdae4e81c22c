"""Vietnamese text for search and sorting.

Search: "Áo thun ĐEN" and "ao thun den" are the same query. Shop owners type without accents as
often as with them (phone keyboards, Telex off), and SQLite's LIKE folds case for ASCII only.
Rows therefore keep a folded copy of their searchable text, and each word of the search box is
folded the same way before a plain ``contains`` (:func:`query_words`).

Sorting: :func:`sort_key` puts names in Vietnamese alphabet order — a ă â b c d đ e ê … o ô ơ …
u ư …, the tone marks only after the letters (a, à, ả, ã, á, ạ), as the Unicode/CLDR "vi"
collation does — so "Áo thun" sorts among the A's, "Khẩu trang" before "Khuyên tai" and "Túi
đeo chéo" before "Túi vải". The key is a plain string compared code point by code point, so it
orders the same in Python, in SQLite (BINARY) and in PostgreSQL (``COLLATE "C"``).
"""

from __future__ import annotations

import unicodedata

#: Between the folded fields, so a query never matches across two of them.
SEPARATOR = " \x1f "

#: The most words of a search box that are matched (each one more ``LIKE`` in the query).
MAX_QUERY_WORDS = 12


def fold(text: str) -> str:
    """Lower case, no diacritics, đ → d, runs of whitespace as one space."""
    text = text.replace("đ", "d").replace("Đ", "d").replace("Ð", "d").replace("ð", "d")
    decomposed = unicodedata.normalize("NFD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.lower().split())


def search_text(*parts: str | None) -> str:
    """The folded, searchable text of a row's fields."""
    return SEPARATOR.join(fold(p) for p in parts if p)


def query_words(query: str) -> list[str]:
    """The distinct folded words of a search box, in order, at most :data:`MAX_QUERY_WORDS`:
    every one must be found (in any order), so "jean 30" finds "Quần jean slim fit - 30"."""
    words: list[str] = []
    for word in fold(query).split(" "):
        if word and word not in words:
            words.append(word)
    return words[:MAX_QUERY_WORDS]


# -- Vietnamese alphabet order -----------------------------------------------------------------

#: The Latin letters in Vietnamese alphabet order (f, j, w, z, which Vietnamese words do not use,
#: in their Latin places).
ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"

# Letters written with a modifier mark in NFD: (base, mark) → letter.
_BREVE, _CIRCUMFLEX, _HORN = "\u0306", "\u0302", "\u031b"
_MODIFIED = {
    ("a", _BREVE): "ă",
    ("a", _CIRCUMFLEX): "â",
    ("e", _CIRCUMFLEX): "ê",
    ("o", _CIRCUMFLEX): "ô",
    ("o", _HORN): "ơ",
    ("u", _HORN): "ư",
}
# The five tone marks, in dictionary order after the level tone: huyền, hỏi, ngã, sắc, nặng.
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}

# Primary weights, as code points: spaces < punctuation and symbols < digits < letters < others.
_SPACE = 0x20
_PUNCT = 0x100
_DIGIT = 0x600
_LETTER = 0x700
_OTHER = 0x1000
_LETTER_RANK = {letter: _LETTER + i for i, letter in enumerate(ALPHABET)}


def _other(ch: str) -> int:
    """Any other character after the letters, in code point order (surrogates skipped)."""
    code = ord(ch) + _OTHER
    if code >= 0xD800:
        code += 0x800
    return min(code, 0x10FFFF)


def _primary(ch: str) -> int:
    lower = ch.lower()
    if lower in _LETTER_RANK:
        return _LETTER_RANK[lower]
    if ch.isspace():
        return _SPACE
    if ch.isdigit():
        return _DIGIT + unicodedata.digit(ch, 0)
    if ord(ch) < 0x500 and not ch.isalpha():
        return _PUNCT + ord(ch)
    return _other(lower)


def _char_weights(ch: str) -> tuple[str, str, str]:
    """(primary, tone, case) weights of one precomposed character: modifiers and tones folded
    into its letter (ắ → ă, sắc)."""
    decomposed = unicodedata.normalize("NFD", ch)
    base, marks = decomposed[0], decomposed[1:]
    letter, tone = base.lower(), 0
    for mark in marks:
        if (letter, mark) in _MODIFIED:
            letter = _MODIFIED[(letter, mark)]
        elif mark in _TONES:
            tone = _TONES[mark]
    return chr(_primary(letter)), chr(0x20 + tone), "\x21" if base != base.lower() else "\x20"


#: Weights of the characters met so far (letters, digits, punctuation: a few hundred).
_WEIGHTS: dict[str, tuple[str, str, str]] = {}
_WEIGHTS_KEPT = 20_000


def sort_key(text: str) -> str:
    """A string whose code-point order is the Vietnamese order of ``text``: letters first (a ă
    â b c d đ e ê …, case and tones aside), then the tones letter by letter (a à ả ã á ạ), then
    lower case before upper case. Runs of spaces count as one; spaces sort before punctuation,
    punctuation before digits, digits before letters (digit by digit, like ICU: "10" before
    "9")."""
    primary: list[str] = []
    tones: list[str] = []
    cases: list[str] = []
    for ch in unicodedata.normalize("NFC", " ".join(text.split())):
        weights = _WEIGHTS.get(ch)
        if weights is None:
            if unicodedata.combining(ch):  # a mark NFC could not compose: ignored
                continue
            weights = _char_weights(ch)
            if len(_WEIGHTS) < _WEIGHTS_KEPT:
                _WEIGHTS[ch] = weights
        primary.append(weights[0])
        tones.append(weights[1])
        cases.append(weights[2])
    return f"{''.join(primary)}\x01{''.join(tones)}\x01{''.join(cases)}"
