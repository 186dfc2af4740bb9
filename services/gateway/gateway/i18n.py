"""Page language and translated strings (catalogues read from ``translations/*.po``).

The language is the signed-in account's; before login it is the one picked on the login page,
else the browser's ``Accept-Language``.
"""
from __future__ import annotations

from pathlib import Path

from flask import Flask, g, has_request_context, request, session

from common.i18n import LANGUAGES, SUPPORTED, catalog, negotiate, normalise  # noqa: F401  (LANGUAGES re-exported)

TRANSLATIONS = str(Path(__file__).parent / "translations")


def current_language() -> str:
    """The language of the page being rendered."""
    if not has_request_context():
        return "en"
    if "lang" not in g:
        account = session.get("acct") if session.get("at") else None
        chosen = (account or {}).get("language") or session.get("lang")
        g.lang = normalise(chosen) if chosen else negotiate(request.headers.get("Accept-Language"))
    return g.lang


def language_changed() -> None:
    """Forget the page language worked out so far (the account just chose another)."""
    g.pop("lang", None)


def translate(message: str) -> str:
    """``message`` in the current language (the English source when no translation exists)."""
    return catalog(TRANSLATIONS, current_language()).gettext(message)


def translate_plural(singular: str, plural: str, n: int) -> str:
    """The singular or plural form of a message for ``n``, in the current language."""
    return catalog(TRANSLATIONS, current_language()).ngettext(singular, plural, n)


def _(message: str, **values) -> str:
    """Translate ``message`` and fill in its ``%(name)s`` placeholders."""
    text = translate(message)
    return text % values if values else text


def init_app(app: Flask) -> None:
    """Give templates ``_()``/``ngettext`` and the current language."""
    app.jinja_env.add_extension("jinja2.ext.i18n")
    # newstyle: Jinja formats %(name)s itself and escapes the values under autoescape.
    app.jinja_env.install_gettext_callables(translate, translate_plural, newstyle=True)
    app.jinja_env.globals.update(languages=LANGUAGES, supported_languages=SUPPORTED)

    @app.context_processor
    def _language():
        return {"lang": current_language()}
