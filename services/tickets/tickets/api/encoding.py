"""The JSON provider of the tickets API: Flask's bytes, written with one encoder kept for the app.

A list of 50 requests is some 77 KB of JSON; Flask's ``response`` builds a new ``JSONEncoder`` (and
the C encoder behind it) for every answer, copies the text once more to append its newline and has
the response encode it again. The answer's bytes stay exactly Flask's: same ``default`` hook,
``ensure_ascii``, ``sort_keys`` and compact separators, the same trailing newline and mimetype.
"""
from __future__ import annotations

import json
from typing import Any

from flask.json.provider import DefaultJSONProvider


class AnswerJSONProvider(DefaultJSONProvider):
    """``DefaultJSONProvider`` whose compact answers reuse one encoder built for the current settings."""

    def __init__(self, app):
        super().__init__(app)
        self._encoder: tuple[tuple, json.JSONEncoder] | None = None

    def _compact_encoder(self) -> json.JSONEncoder:
        # The settings are read at each answer: ``init_service_app`` sets ``sort_keys`` after the app exists.
        settings = (self.default, self.ensure_ascii, self.sort_keys)
        kept = self._encoder
        if kept is None or kept[0] != settings:
            # No circular check: answers are trees of fresh dicts and lists (an answer may hold one dict
            # in several places, which is no cycle), and the check cost a dict insert per container.
            kept = self._encoder = (settings, json.JSONEncoder(
                default=self.default, ensure_ascii=self.ensure_ascii, sort_keys=self.sort_keys,
                check_circular=False, separators=(",", ":")))
        return kept[1]

    def response(self, *args: Any, **kwargs: Any):
        if (self.compact is None and self._app.debug) or self.compact is False:
            return super().response(*args, **kwargs)
        obj = self._prepare_response_obj(args, kwargs)
        body = self._compact_encoder().encode(obj) + "\n"
        return self._app.response_class(body.encode(), mimetype=self.mimetype)
