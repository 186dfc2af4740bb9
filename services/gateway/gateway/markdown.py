"""Ticket text as safe HTML: the one renderer lives in ``common.markdown`` (the tickets service's
``renderedBody`` uses it too), so a page and the API never render a comment differently."""
from common.markdown import ATTRIBUTES, LINK_REL, MAX_CHARS, TAGS, URL_SCHEMES, to_html  # noqa: F401
