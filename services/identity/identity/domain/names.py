"""Display names customers may not take: those that pass for the support team's.

A customer's name is refused when, once reduced to a skeleton (compatibility forms, accents, case,
look-alike letters and digits folded away), it holds a word only staff use ("Agent", "Support"...)
or equals the name of an agent or admin. Staff names themselves are not restricted. ``CASES`` is
the table the tests run the rule against.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Iterable

from .errors import DomainError

STAFF_WORDS = frozenset({
    "agent", "agents", "admin", "admins", "administrator", "sysadmin", "support", "staff", "helpdesk",
    "servicedesk", "moderator", "operator", "official",
})
STAFF_PHRASES = (("help", "desk"), ("service", "desk"), ("support", "team"))
# Letters and digits that pass for Latin letters in a name (Cyrillic, Greek, leetspeak).
_LOOKALIKE = str.maketrans({
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s",
    "ԁ": "d", "һ": "h", "ӏ": "l", "ɡ": "g", "ı": "i", "α": "a", "ε": "e", "ι": "i", "ο": "o", "ρ": "p", "τ": "t",
    "υ": "u", "ν": "v", "κ": "k", "η": "n", "μ": "m", "χ": "x", "0": "o", "1": "i", "3": "e", "4": "a",
    "5": "s", "7": "t", "@": "a", "$": "s", "!": "i", "|": "l",
})
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_WORD = re.compile(r"[a-z]+")


class StaffName(DomainError):
    """A customer chose a name that passes for the support team's."""


def skeleton_words(name: str) -> list[str]:
    """The words of ``name`` once look-alikes, accents, case and compatibility forms are folded."""
    text = _CAMEL.sub(" ", unicodedata.normalize("NFKC", name))
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).translate(_LOOKALIKE)
    return _WORD.findall(plain)


def check_customer_name(name: str | None, staff_names: Iterable[str]) -> str | None:
    """``name`` if a customer may use it; raise StaffName otherwise (None passes: no name)."""
    if not name:
        return name
    words = skeleton_words(name)
    pairs = set(zip(words, words[1:]))
    if STAFF_WORDS.intersection(words) or pairs.intersection(STAFF_PHRASES):
        raise StaffName(f"'{name}' looks like a name of the support team; customers cannot use words such as "
                        "Agent, Admin or Support in their name.")
    squashed = "".join(words)
    if squashed and any("".join(skeleton_words(staff)) == squashed for staff in staff_names if staff):
        raise StaffName(f"'{name}' is the name of a member of the support team; choose another name.")
    return name


# (name, staff names, allowed)
CASES: tuple[tuple[str, tuple[str, ...], bool], ...] = (
    ("Alice Example", ("Alex Agent",), True),
    ("Zoë Ångström", (), True),
    ("Sargent Pepper", (), True),
    ("Alex Agent", (), False),
    ("alex agent", ("Alex Agent",), False),
    ("AlexAgent", (), False),
    ("Alex Ag3nt", (), False),
    ("Аlex Аgent", (), False),  # Cyrillic А
    ("Ａｌｅｘ　Ａｇｅｎｔ", (), False),  # full-width forms
    ("Support", (), False),
    ("Service Desk", (), False),
    ("Help-Desk team", (), False),
    ("The Admin", (), False),
    ("Ada Admın", (), False),  # dotless ı
    ("Ada Lovelace", ("Ada Lovelace",), False),
    ("Ada  LOVELACE", ("Ada Lovelace",), False),
    ("Ada Lovelace-Byron", ("Ada Lovelace",), True),
)
