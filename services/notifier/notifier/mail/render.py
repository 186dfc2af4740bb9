"""Render an email's subject, plain text and HTML from Jinja2 templates in the reader's language.

Each kind of email is ``templates/<kind>.txt`` (which also sets ``subject``) and
``templates/<kind>.html``; only the HTML is autoescaped. Strings are translated with the ``.po``
catalogues under ``translations/`` read by ``common.i18n.catalog``.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from babel.dates import format_date, format_time, get_timezone
from babel.lists import format_list
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from common.i18n import catalog, format_size

from ..languages import email_language
from . import skeletons

PACKAGE = Path(__file__).resolve().parent.parent
TEMPLATES = PACKAGE / "templates"
TRANSLATIONS = PACKAGE / "translations"
KINDS = (
    "invitation", "signup", "password_reset", "password_changed",
    "ticket_created", "ticket_commented", "ticket_status_changed", "participant_added",
    "ticket_assigned", "ticket_shared", "mail_request_received", "mail_refused",
)


def N_(message: str) -> str:
    """Mark a string for the catalogue without translating it here."""
    return message


# The lifecycle's statuses (capability 7), as the tickets service names them.
STATUS_NAMES = (
    N_("Waiting for support"), N_("In progress"), N_("Waiting for customer"),
    N_("Resolved"), N_("Closed"), N_("Canceled"),
)
_STATUS_BY_KEY = {name.lower().replace(" ", "_"): name for name in STATUS_NAMES}


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    language: str


def status_name(status: str, translations) -> str:
    """The reader's name for a status given as a name ("Waiting for customer") or an id ("waiting_for_customer")."""
    key = (status or "").strip().lower().replace(" ", "_").replace("-", "_")
    english = _STATUS_BY_KEY.get(key, status)
    return translations.gettext(english)


@functools.lru_cache(maxsize=8)
def environment(language: str) -> Environment:
    """A Jinja2 environment whose gettext speaks ``language`` (one per language, cached)."""
    translations = catalog(str(TRANSLATIONS), language)
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False, default=False),
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # The templates ship with the package: no stat() of the file on every email to see if it changed.
        auto_reload=False,
    )
    env.install_gettext_translations(translations, newstyle=True)
    env.globals["status_name"] = lambda status: status_name(status, translations)
    env.globals["language"] = language
    env.filters["when"] = lambda moment: _format_when(moment, language)
    # ["Acme", "Northwind"] -> "Acme and Northwind" / "Acme et Northwind" / "Acme und Northwind".
    env.filters["names"] = lambda items: format_list(list(items), locale=language)
    env.filters["filesize"] = lambda size: format_size(size, language)
    return env


def render(kind: str, language: str | None, **context) -> Rendered:
    """Subject, text and HTML of one email of ``kind`` in ``language`` (unsupported -> English).

    Laid out once per shape of the context and filled in per email (``mail.skeletons``): the same
    strings as a full rendering, for a fraction of its cost."""
    if kind not in KINDS:
        raise ValueError(f"unknown email kind {kind!r}")
    lang = email_language(language)
    env = environment(lang)
    usage = _usage(env, kind)
    found = skeletons.shape(usage, context)
    laid_out = _laid_out(env, usage, kind, lang, found, context) if found is not None else None
    if laid_out is None:
        subject, text, html = _render(env, kind, context)
        return Rendered(subject=subject.strip(), text=text.strip() + "\n", html=html, language=lang)
    names, subject, text, html = laid_out
    return Rendered(subject=skeletons.fill(subject, names, context, html=False).strip(),
                    text=skeletons.fill(text, names, context, html=False).strip() + "\n",
                    html=skeletons.fill(html, names, context, html=True), language=lang)


def _render(env: Environment, kind: str, context: dict) -> tuple[str, str, str]:
    module = env.get_template(f"{kind}.txt").make_module(context)
    return str(module.subject), str(module), env.get_template(f"{kind}.html").render(context)


@functools.lru_cache(maxsize=None)
def _usage(env: Environment, kind: str) -> dict:
    text, html = skeletons.template_usage(env, f"{kind}.txt"), skeletons.template_usage(env, f"{kind}.html")
    return {name: text.get(name, frozenset()) | html.get(name, frozenset()) for name in {*text, *html}}


_LAID_OUT: dict[tuple, tuple | None] = {}
_LAID_OUT_MAX = 1024  # shapes: kinds x languages x the few values a template compares; cleared when full


def _laid_out(env: Environment, usage: dict, kind: str, lang: str, found: tuple, context: dict) -> tuple | None:
    """(names, subject, text, html) with stand-ins for the shape ``found``; None when the shape fails its check."""
    key = (kind, lang, found)
    if key in _LAID_OUT:
        return _LAID_OUT[key]
    short, names = skeletons.stand_ins(context, usage, 0)
    long, _ = skeletons.stand_ins(context, usage, 7)
    laid_out, check = _render(env, kind, short), _render(env, kind, long)
    html_parts = (False, False, True)
    ok = all(skeletons.fill(part, names, long, html) == other
             for part, other, html in zip(laid_out, check, html_parts))
    if len(_LAID_OUT) >= _LAID_OUT_MAX:
        _LAID_OUT.clear()
    _LAID_OUT[key] = (names, *laid_out) if ok else None
    return _LAID_OUT[key]


def _format_when(moment: str | datetime | None, language: str) -> str:
    if not moment:
        return ""
    if isinstance(moment, str):
        try:
            moment = datetime.fromisoformat(moment.replace("Z", "+00:00"))
        except ValueError:
            return moment
    utc = get_timezone("UTC")
    moment = moment.astimezone(utc) if moment.tzinfo else moment.replace(tzinfo=utc)
    return f"{format_date(moment, 'long', locale=language)} {format_time(moment, 'HH:mm', tzinfo=utc, locale=language)} UTC"

