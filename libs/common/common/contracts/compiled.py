"""A payload schema compiled once into plain-dict checks, for the events that are plainly valid.

A consumer loads every event it handles by its contract, and ``Schema.load`` walks marshmallow's
per-field machinery each time (tens of microseconds for a ticket event, a share of the notifier's
CPU per email). The compiled form accepts only what is beyond doubt: exact ``str``, ``bool`` and
``int`` values, lists and dicts, no value that marshmallow would coerce (bytes, "true", 1.0) and
no missing required key. On anything else it gives up and the schema's own ``load`` decides, so
the verdict and the error messages are marshmallow's, and what it returns equals what ``load``
returns. A schema using anything not understood here (a hook, another field type or validator, a
default) is not compiled at all.
"""
from __future__ import annotations

from typing import Any, Callable

from marshmallow import INCLUDE, Schema, fields, validate
from marshmallow.utils import missing

Loader = Callable[[Any], dict]


class _Doubt(Exception):
    """The compiled checks cannot vouch for the value: the schema's own load decides."""


def loader(schema: Schema) -> Loader:
    """``schema.load``, with the compiled checks in front of it when the schema allows them."""
    fast = compile_schema(schema)
    if fast is None:
        return schema.load

    def load(data: Any) -> dict:
        try:
            return fast(data)
        except _Doubt:
            return schema.load(data)

    return load


def compile_schema(schema: Schema) -> Loader | None:
    """The compiled checks of ``schema`` (raising ``_Doubt`` when unsure), or None when not compilable."""
    if schema.many or schema.partial or schema.unknown != INCLUDE or any(schema._hooks.values()):
        return None
    steps = []
    for name, field in schema.load_fields.items():
        if field.data_key not in (None, name) or field.attribute not in (None, name) or "." in name:
            return None
        convert = _converter(field)
        if convert is None:
            return None
        steps.append((name, bool(field.required), convert))
    names = frozenset(name for name, _, _ in steps)

    def load(data: Any) -> dict:
        if type(data) is not dict:
            raise _Doubt
        out = {}
        for name, required, convert in steps:
            value = data.get(name, missing)
            if value is missing:
                if required:
                    raise _Doubt
                continue
            out[name] = convert(value)
        if len(out) != len(data):  # unknown keys are kept as given (INCLUDE)
            for key in data.keys() - names:
                out[key] = data[key]
        return out

    return load


def _converter(field: fields.Field) -> Callable[[Any], Any] | None:
    # Field-level pre_load/post_load exist from marshmallow 4 on.
    if field.load_default is not missing or getattr(field, "pre_load", None) or getattr(field, "post_load", None):
        return None
    choices = None
    for validator in field.validators:
        if type(validator) is not validate.OneOf or choices is not None:
            return None
        choices = validator.choices
    kind = type(field)
    if kind is fields.String:
        exact = str
    elif kind is fields.Boolean:
        if field.truthy != fields.Boolean.truthy or field.falsy != fields.Boolean.falsy:
            return None
        exact = bool
    elif kind is fields.Integer:
        exact = int  # ``type(True) is bool``: marshmallow refuses booleans, so they are left to it
    elif kind is fields.List:
        if choices is not None:
            return None
        inner = _converter(field.inner)
        if inner is None:
            return None
        return _nullable(field, lambda value: [inner(each) for each in value] if type(value) is list else _doubt())
    elif kind is fields.Nested:
        if choices is not None or field.many or field.only is not None or field.exclude or field.unknown is not None:
            return None
        nested = compile_schema(field.schema)
        if nested is None:
            return None
        return _nullable(field, nested)
    else:
        return None
    if choices is None:
        return _nullable(field, lambda value: value if type(value) is exact else _doubt())
    return _nullable(field, lambda value: value if type(value) is exact and value in choices else _doubt())


def _nullable(field: fields.Field, convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    if not field.allow_none:
        return convert  # None is not the exact type: left to marshmallow, which refuses it
    return lambda value: None if value is None else convert(value)


def _doubt():
    raise _Doubt
