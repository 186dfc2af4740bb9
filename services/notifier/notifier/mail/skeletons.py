"""An email's rendering laid out once per shape and filled in per email.

Rendering the two templates of an email through Jinja2 cost more than composing and sending it
(bench/profiles/nt5.md): most of it is the runtime's calls (gettext, blocks, includes) whose
results are the same for every email of a kind, language and shape. So the templates are rendered
once with a stand-in for each string that they only print, and each email puts its strings in place
of the stand-ins: escaped in the HTML (as autoescape would), as they are in the text.

Which variables may be stood in for is read from the templates themselves (their syntax tree, with
the templates they extend and include): a variable is *printed* where it is a ``{{ name }}`` or a
keyword of ``_()``, *tested* where only its truth or definedness counts (``if``, ``x if name else
y``, ``is defined``), and *used* anywhere else (a filter, a function argument, a comparison, an
attribute). A string that is only printed or tested is stood in for (its truth is part of the
shape); any other value is part of the shape as it is. A shape is checked when it is laid out:
two renderings with stand-ins of different lengths must fill in to each other, or the shape is
rendered in full every time (a translation that cuts or pads a value would be caught there).
"""
from __future__ import annotations

import functools
import re
from collections.abc import Hashable

from jinja2 import Environment, nodes
from markupsafe import escape

PRINTED, TESTED, USED = "printed", "tested", "used"
_GETTEXT = {"_", "gettext"}
_STAND_IN = re.compile("\ue000(\\d+)x*\ue001")


@functools.lru_cache(maxsize=None)
def template_usage(env: Environment, name: str) -> dict[str, frozenset]:
    """How each variable is used in template ``name`` and those it extends or includes."""
    source = env.loader.get_source(env, name)[0]
    found: dict[str, set] = {}
    for other in _walk(env.parse(source), found, None):
        for variable, uses in template_usage(env, other).items():
            found.setdefault(variable, set()).update(uses)
    return {variable: frozenset(uses) for variable, uses in found.items()}


def _walk(node: nodes.Node, found: dict, context: str | None) -> list[str]:
    """Record the uses of names under ``node`` in ``found``; the names of the templates it pulls in."""
    others = []
    if isinstance(node, (nodes.Extends, nodes.Include)):
        if not isinstance(node.template, nodes.Const):
            raise ValueError("a template named at run time cannot be analysed")
        others.append(node.template.value)
    if isinstance(node, nodes.Name):
        if node.ctx == "load":
            found.setdefault(node.name, set()).add(context or USED)
        else:  # assigned in the template ({% set %}, {% for %}): not the caller's variable
            found.setdefault(node.name, set()).add(USED)
        return others
    for field, child in _children(node):
        if isinstance(child, nodes.Node):
            others += _walk(child, found, _context(node, field, child, context))
    return others


def _children(node: nodes.Node):
    for field in node.fields:
        value = getattr(node, field, None)
        for child in value if isinstance(value, list) else [value]:
            yield field, child


def _context(parent: nodes.Node, field: str, child: nodes.Node, context: str | None) -> str | None:
    """How a name directly at ``child`` (``parent``'s ``field``) is used."""
    if isinstance(parent, nodes.Output):
        return PRINTED if isinstance(child, nodes.Name) else None
    if isinstance(parent, nodes.Keyword):
        return context  # a gettext keyword: printed (see below), else used
    if isinstance(parent, nodes.Call) and field == "kwargs":
        gettext = isinstance(parent.node, nodes.Name) and parent.node.name in _GETTEXT
        return PRINTED if gettext and isinstance(child.value, nodes.Name) else USED
    if isinstance(parent, nodes.Call) and field == "node" and isinstance(child, nodes.Name):
        return None  # the function's own name (a global, never a caller's variable)
    if isinstance(parent, (nodes.If, nodes.CondExpr)) and field == "test":
        return TESTED
    if isinstance(parent, nodes.CondExpr):
        return context  # either branch is the expression's value
    if isinstance(parent, (nodes.And, nodes.Or)) and context == TESTED:
        return TESTED
    if isinstance(parent, nodes.Not):
        return TESTED
    if isinstance(parent, nodes.Test) and parent.name == "defined" and field == "node":
        return TESTED
    if isinstance(parent, (nodes.Template, nodes.Block, nodes.If, nodes.Assign, nodes.Scope)):
        return None
    return USED


def shape(usage: dict[str, frozenset], context: dict) -> tuple | None:
    """The part of ``context`` a rendering depends on beyond its printed strings (None: not cacheable)."""
    parts = []
    for name in sorted(context):
        value = context[name]
        uses = usage.get(name, frozenset())
        if isinstance(value, str) and "\ue000" in value:
            return None  # could pass for a stand-in
        if type(value) is str and USED not in uses:
            parts.append((name, "str", bool(value)))
        elif isinstance(value, Hashable):
            parts.append((name, "value", type(value).__name__, value))
        else:
            return None
    return tuple(parts)


def stand_ins(context: dict, usage: dict[str, frozenset], width: int) -> tuple[dict, list[str]]:
    """``context`` with a stand-in of ``width`` padding for each non-empty printed string; their names."""
    stood, names = dict(context), []
    for name, value in context.items():
        if type(value) is str and value and USED not in usage.get(name, frozenset()):
            stood[name] = f"\ue000{len(names)}{'x' * width}\ue001"
            names.append(name)
    return stood, names


def fill(laid_out: str, names: list[str], context: dict, html: bool) -> str:
    """``laid_out`` with each stand-in replaced by its string from ``context`` (escaped in HTML)."""
    values = [str(escape(context[n])) if html else context[n] for n in names]
    literals, slots = _pieces(laid_out)
    out = [literals[0]]
    for slot, literal in zip(slots, literals[1:]):
        out += (values[slot], literal)
    return "".join(out)


@functools.lru_cache(maxsize=1024)
def _pieces(laid_out: str) -> tuple[list[str], list[int]]:
    """The text around the stand-ins of ``laid_out`` and their numbers, in order: split once per
    laid-out text (a few per kind and language) instead of searched per email."""
    parts = _STAND_IN.split(laid_out)
    return parts[0::2], [int(number) for number in parts[1::2]]
