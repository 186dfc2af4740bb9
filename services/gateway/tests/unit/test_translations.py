"""Every string the portal shows is in the French catalogue, with matching placeholders."""
import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

import gateway

PACKAGE = Path(gateway.__file__).parent
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def source_messages() -> set[str]:
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    options = {"templates/**.html": {"extensions": "jinja2.ext.i18n", "silent": "false"}}
    return {message for _f, _l, message, _c, _ctx in
            extract_from_dir(str(PACKAGE), method_map, options_map=options, keywords={"_": None})}


def french() -> dict[str, str]:
    with open(PACKAGE / "translations/fr/LC_MESSAGES/messages.po", "rb") as handle:
        return {m.id: m.string for m in read_po(handle) if m.id}


def test_every_portal_string_has_a_french_translation():
    catalogue = french()
    missing = sorted(m for m in source_messages() if not catalogue.get(m))
    assert missing == [], f"add these to the French catalogue: {missing}"


def test_french_keeps_every_placeholder():
    for msgid, msgstr in french().items():
        assert set(PLACEHOLDER.findall(msgid)) == set(PLACEHOLDER.findall(msgstr)), msgid


def test_no_stale_entries_in_the_catalogue():
    stale = sorted(set(french()) - source_messages())
    assert stale == [], f"remove these from the French catalogue: {stale}"
