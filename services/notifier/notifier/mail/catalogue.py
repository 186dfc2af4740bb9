"""Extract the translatable strings of the templates and code (tests check the catalogues are complete)."""
from __future__ import annotations

from babel.messages.extract import extract_from_dir

from .render import PACKAGE

KEYWORDS = {"_": None, "gettext": None, "N_": None}


def extract_messages() -> set[str]:
    """Every msgid used by the notifier's templates and Python code."""
    method_map = [("templates/**.txt", "jinja2"), ("templates/**.html", "jinja2"), ("**.py", "python")]
    options = {"templates/**.txt": {"trimmed": "false"}, "templates/**.html": {"trimmed": "false"}}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(PACKAGE), method_map, options_map=options, keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found
