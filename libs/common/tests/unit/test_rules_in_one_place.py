"""Roles and languages are written once, in ``common.auth`` and ``common.i18n``: no service spells them out.

The test reads the services' and the library's own source (never their tests, demo data or migrations,
which name roles as data).
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[4]
SOURCES = [p for base in ("services", "libs") for p in (ROOT / base).glob("*/**/*.py")
           if not {"tests", "migrations", "benchmarks"} & set(p.relative_to(ROOT).parts)
           and p.name not in ("demo.py", "testing.py", "auth.py", "i18n.py")]
ROLE = r"""["'](?:customer|agent|admin)["']"""
WRITTEN_OUT = {
    "a role compared by its name": re.compile(rf"role\)?\s*(?:==|!=|in)\s*{ROLE}|{ROLE}\s*(?:==|!=)\s*\w*\.?role"),
    "a role as a default": re.compile(rf"role\b[^\n]*(?:=|or|get\([^,]+,)\s*{ROLE}"),
    "a list of roles": re.compile(rf"{ROLE}\s*,\s*{ROLE}"),
    "a list of languages": re.compile(r"""["']en["']\s*,\s*["'](?:fr|de|es)["']"""),
}


def test_the_sources_are_found():
    assert len(SOURCES) > 50


@pytest.mark.parametrize("what", WRITTEN_OUT)
def test_no_service_writes_out_what_the_library_defines(what):
    found = [f"{p.relative_to(ROOT)}:{n}: {line.strip()}" for p in SOURCES
             for n, line in enumerate(p.read_text().splitlines(), 1) if WRITTEN_OUT[what].search(line)]
    assert not found, "\n".join(found)
