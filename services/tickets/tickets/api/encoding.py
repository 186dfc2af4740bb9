"""The JSON provider of the tickets API: Flask's bytes, written by one encoder kept for the app.

A list of 50 requests is some 77 KB of JSON; Flask's ``response`` builds a new ``JSONEncoder`` (and
the C encoder behind it) for every answer, copies the text once more to append its newline and has
the response encode it again. The answer's bytes stay exactly Flask's: same ``default`` hook,
``ensure_ascii``, ``sort_keys`` and compact separators, the same trailing newline and mimetype.
"""
from __future__ import annotations

import json
from json.encoder import c_make_encoder, encode_basestring, encode_basestring_ascii
from typing import Any, Callable

from flask.json.provider import DefaultJSONProvider

Encode = Callable[[Any], str]


class AnswerJSONProvider(DefaultJSONProvider):
    """``DefaultJSONProvider`` whose compact answers reuse one encoder built for the current settings."""

    def __init__(self, app):
        super().__init__(app)
        self._encoder: tuple[tuple, Encode] | None = None

    def compact_encode(self) -> Encode:
        """``json.dumps(value, separators=(",", ":"), ...)`` with this provider's settings, as a function."""
        # The settings are read at each answer: ``init_service_app`` sets ``sort_keys`` after the app exists.
        settings = (self.default, self.ensure_ascii, self.sort_keys)
        kept = self._encoder
        if kept is None or kept[0] != settings:
            kept = self._encoder = (settings, _compact(*settings))
        return kept[1]

    def response(self, *args: Any, **kwargs: Any):
        if (self.compact is None and self._app.debug) or self.compact is False:
            return super().response(*args, **kwargs)
        body = self.compact_encode()(self._prepare_response_obj(args, kwargs)) + "\n"
        return self._app.response_class(body.encode(), mimetype=self.mimetype)


def _compact(default, ensure_ascii: bool, sort_keys: bool) -> Encode:
    strings = encode_basestring_ascii if ensure_ascii else encode_basestring
    if c_make_encoder is None:  # an interpreter without the C accelerator
        return json.JSONEncoder(default=default, ensure_ascii=ensure_ascii, sort_keys=sort_keys,
                                separators=(",", ":")).encode
    # What ``JSONEncoder.encode`` runs, built once. No circular check (markers None): answers are trees
    # of fresh dicts and lists (one dict may sit in several places, which is no cycle), and the check
    # cost a dict insert and delete per container.
    encoder = c_make_encoder(None, default, strings, None, ":", ",", sort_keys, False, True)

    def encode(value: Any) -> str:
        if value.__class__ is str:
            return strings(value)
        return "".join(encoder(value, 0))
    return encode


def fast_encoder(app) -> Encode | None:
    """The app's compact encoder when its answers keep their members' order and escape to ASCII (the
    answers written member by member assume both), else None."""
    provider = app.json
    if (not isinstance(provider, AnswerJSONProvider) or provider.sort_keys or not provider.ensure_ascii
            or (provider.compact is None and app.debug) or provider.compact is False):
        return None
    return provider.compact_encode()


def with_values(encode: Encode, envelope: dict, after: dict | None = None) -> str:
    """A paged envelope (``values`` its last member, each value already written as JSON) as JSON, then
    the members of ``after``: what ``encode({**envelope, **after})`` writes of the values decoded."""
    assert list(envelope)[-1] == "values" and len(envelope) > 1
    head = encode({k: v for k, v in envelope.items() if k != "values"})
    tail = "".join([f",{encode(k)}:{encode(v)}" for k, v in after.items()]) if after else ""
    return f'{head[:-1]},"values":[{",".join(envelope["values"])}]{tail}}}'


def text_response(app, text: str):
    """The response for JSON already written, as ``AnswerJSONProvider.response`` builds it."""
    return app.response_class((text + "\n").encode(), mimetype=app.json.mimetype)
