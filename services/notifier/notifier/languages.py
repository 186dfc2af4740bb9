"""The languages the notifier writes emails in (``common.i18n.LANGUAGES``); each has a complete catalogue
under ``translations/``.

English is the source language of the templates; a recipient whose language is not listed here
gets English. Adding a language means adding its catalogue (a unit test checks it is complete).
"""
from __future__ import annotations

from common.i18n import SUPPORTED, normalise

LANGUAGES = SUPPORTED  # the one list, common.i18n.LANGUAGES
SOURCE = "en"
TRANSLATED = tuple(lang for lang in LANGUAGES if lang != SOURCE)


def email_language(language: str | None) -> str:
    """The language to write to someone who chose ``language`` (``de-AT`` -> ``de``, unknown -> ``en``)."""
    return normalise(language, LANGUAGES)
