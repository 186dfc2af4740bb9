"""Every string the portal and the console show is in each offered language's catalogue, with matching
placeholders (the languages are ``common.i18n.LANGUAGES``, the one list identity and the notifier use)."""
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

import gateway
from common.i18n import DEFAULT, LANGUAGES

PACKAGE = Path(gateway.__file__).parent
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
TRANSLATED = sorted(set(LANGUAGES) - {DEFAULT})


def source_messages() -> set[str]:
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    options = {"templates/**.html": {"extensions": "jinja2.ext.i18n", "silent": "false"}}
    return {message for _f, _l, message, _c, _ctx in
            extract_from_dir(str(PACKAGE), method_map, options_map=options, keywords={"_": None})}


def catalogue(language: str) -> dict[str, str]:
    with open(PACKAGE / f"translations/{language}/LC_MESSAGES/messages.po", "rb") as handle:
        return {m.id: m.string for m in read_po(handle) if m.id}


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_portal_string_has_a_translation(language):
    found = catalogue(language)
    missing = sorted(m for m in source_messages() if not found.get(m))
    assert missing == [], f"add these to the {language} catalogue: {missing}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_keep_every_placeholder(language):
    for msgid, msgstr in catalogue(language).items():
        assert set(PLACEHOLDER.findall(msgid)) == set(PLACEHOLDER.findall(msgstr)), msgid


@pytest.mark.parametrize("language", TRANSLATED)
def test_no_stale_entries_in_the_catalogue(language):
    stale = sorted(set(catalogue(language)) - source_messages())
    assert stale == [], f"remove these from the {language} catalogue: {stale}"


def test_the_profile_offers_every_language_and_german_and_spanish_are_there():
    assert {"en", "fr", "de", "es"} <= set(LANGUAGES)
