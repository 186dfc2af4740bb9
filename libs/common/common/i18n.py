"""Message catalogues read from ``.po`` files at run time (no compile step to forget).

``catalog(folder, "fr").gettext("Hello")``; missing languages fall back to the source strings.
``LANGUAGES`` is the one list of languages the product offers.
Also ``negotiate`` picks the best supported language for an ``Accept-Language`` header.
"""
from __future__ import annotations

import functools
import io
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

# The interface and email languages: ONE list, for identity (what an account may choose), the portal
# and console (gateway/translations) and the emails (notifier/translations). A language is listed
# only when every one of those catalogues is complete (each service's tests check its own).
LANGUAGES: dict[str, str] = {"en": "English", "fr": "Français", "de": "Deutsch", "es": "Español"}
SUPPORTED = tuple(LANGUAGES)
DEFAULT = "en"


@functools.lru_cache(maxsize=64)
def catalog(folder: str, language: str, domain: str = "messages") -> NullTranslations:
    """The translations of ``folder/<language>/LC_MESSAGES/<domain>.po`` (cached)."""
    path = Path(folder) / language / "LC_MESSAGES" / f"{domain}.po"
    if not path.exists():
        return NullTranslations()
    with path.open("rb") as handle:
        po = read_po(handle, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, po)
    buffer.seek(0)
    return Translations(fp=buffer, domain=domain)


def normalise(language: str | None, supported: tuple[str, ...] = SUPPORTED) -> str:
    """Reduce ``fr-CA`` to ``fr``; unknown or empty values become the default."""
    if not language:
        return DEFAULT
    primary = language.replace("_", "-").split("-")[0].lower()
    return primary if primary in supported else DEFAULT


def negotiate(accept_language: str | None, supported: tuple[str, ...] = SUPPORTED) -> str:
    """Best supported language for an Accept-Language header (q-values honoured)."""
    if not accept_language:
        return DEFAULT
    choices = []
    for part in accept_language.split(","):
        lang, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        choices.append((q, lang.strip()))
    for _q, lang in sorted(choices, key=lambda c: -c[0]):
        primary = lang.split("-")[0].lower()
        if primary in supported:
            return primary
    return DEFAULT


def format_size(size: int, language: str) -> str:
    """A file size in ``language``: ``2.5 MB``, ``2,5 Mo``, ``900 bytes`` (units of 1024 bytes).

    Bytes take CLDR's long name: its short English name is the singular ("50 byte")."""
    from babel.units import format_unit

    size = int(size or 0)
    for unit, factor in (("digital-gigabyte", 1024**3), ("digital-megabyte", 1024**2), ("digital-kilobyte", 1024)):
        if size >= factor:
            return format_unit(size / factor, unit, length="short", locale=language, format="#,##0.#")
    return format_unit(size, "digital-byte", length="long", locale=language)
