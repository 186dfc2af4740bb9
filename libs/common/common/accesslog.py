"""gunicorn's logger with an access log that builds only the atoms its format names.

gunicorn builds, for every request, an atom for each request header, each response header and each
of the ~40 environ keys, then copies them all to escape quotes; the services' formats name eight.
That was ~8 % of a gateway worker's CPU per proxied request (bench/profiles/gwfast2.md) and 3-4 % of a tickets API worker's (tfix.md). The line
written is the same: atoms are computed as gunicorn computes them, and a format naming one this
module does not build (``t``, ``u``) falls back to gunicorn's own.

The line is also written straight to the stream of gunicorn's own handler (``accesslog = "-"``),
as ``logging`` would write it, without a log record: the record, its caller lookup and the handler
chain were about half of what an access line cost. Any other set-up of ``gunicorn.access`` (a
file, syslog, a logging config, filters, another format) goes through ``logging`` as before.
"""
from __future__ import annotations

import logging
import os
import re

from gunicorn.glogging import Logger

_NAME = re.compile(r"%\(([^)]+)\)")


def _status(resp, environ, rt):
    status = resp.status
    return status.split(None, 1)[0] if isinstance(status, str) else status


_ATOMS = {
    "h": lambda resp, environ, rt: environ.get("REMOTE_ADDR", "-"),
    "l": lambda resp, environ, rt: "-",
    "r": lambda resp, environ, rt: "%s %s %s" % (environ["REQUEST_METHOD"], environ["RAW_URI"],
                                                 environ["SERVER_PROTOCOL"]),
    "s": _status,
    "m": lambda resp, environ, rt: environ.get("REQUEST_METHOD"),
    "U": lambda resp, environ, rt: environ.get("PATH_INFO"),
    "q": lambda resp, environ, rt: environ.get("QUERY_STRING"),
    "H": lambda resp, environ, rt: environ.get("SERVER_PROTOCOL"),
    "b": lambda resp, environ, rt: getattr(resp, "sent", None) is not None and str(resp.sent) or "-",
    "B": lambda resp, environ, rt: getattr(resp, "sent", None),
    "f": lambda resp, environ, rt: environ.get("HTTP_REFERER", "-"),
    "a": lambda resp, environ, rt: environ.get("HTTP_USER_AGENT", "-"),
    "T": lambda resp, environ, rt: rt.seconds,
    "D": lambda resp, environ, rt: (rt.seconds * 1000000) + rt.microseconds,
    "M": lambda resp, environ, rt: (rt.seconds * 1000) + int(rt.microseconds / 1000),
    "L": lambda resp, environ, rt: "%d.%06d" % (rt.seconds, rt.microseconds),
    "p": lambda resp, environ, rt: "<%s>" % os.getpid(),
}


def plan(access_log_format: str) -> tuple[list[str], list[tuple[str, str, str]]] | None:
    """(plain atoms, (atom key, lower-cased name, source) of header/environ atoms) of a format, or
    None when it names an atom only gunicorn's own ``atoms`` builds."""
    plain, keyed = [], []
    for name in _NAME.findall(access_log_format):
        if name.startswith("{") and name[-2:-1] == "}" and name[-1] in "ioe":
            inner = name[1:-2].lower()
            keyed.append(("{%s}%s" % (inner, name[-1]), inner, name[-1]))
        elif name in _ATOMS:
            plain.append(name)
        else:
            return None
    return plain, keyed


def compile_line(access_log_format: str):
    """A function of (resp, req, environ, request_time) giving the format's line as gunicorn formats it
    with its ``SafeAtoms`` (a missing header '-', double quotes escaped), the values in a tuple for a
    positional copy of the format: no dict of atoms, no wrapper copying it, no lookup per name. None
    when the format is not one ``plan`` builds (or has a literal ``%%``, which that copy would misread)."""
    if plan(access_log_format) is None or "%%" in access_log_format:
        return None
    getters = [(None, _ATOMS[name]) if name in _ATOMS else ((name[1:-2].lower(), name[-1]), None)
               for name in _NAME.findall(access_log_format)]
    positional = _NAME.sub("%", access_log_format)

    def line(resp, req, environ, request_time) -> str:
        values = []
        for keyed, atom in getters:
            if keyed is None:
                value = atom(resp, environ, request_time)
            else:
                value = _keyed(resp, req, environ, *keyed)
                if value is None:
                    value = "-"
            values.append(value.replace('"', '\\"') if isinstance(value, str) else value)
        return positional % tuple(values)

    return line


def _keyed(resp, req, environ, lowered: str, source: str):
    """The value of a header or environ atom (``{name}o``, ``{name}i``, ``{name}e``), None when absent."""
    if source == "o":
        headers = resp.headers
    elif source == "i":
        headers = req.headers if hasattr(req, "headers") else req
    else:
        return _last(environ.items(), lowered)
    return _last(headers.items() if hasattr(headers, "items") else headers, lowered)


def _last(pairs, lowered: str):
    # gunicorn's atoms keep the last of repeated names.
    found = None
    for key, value in pairs:
        if key.lower() == lowered:
            found = value
    return found


def _plain_stream_handler(log: logging.Logger) -> logging.StreamHandler | None:
    """The one handler of ``log`` when it writes a message as it is to a stream, and nothing else does."""
    if log.propagate or log.disabled or log.filters or len(log.handlers) != 1 or not log.isEnabledFor(logging.INFO):
        return None
    handler = log.handlers[0]
    formatter = handler.formatter
    if (type(handler) is not logging.StreamHandler or handler.filters or handler.level > logging.INFO
            or type(formatter) is not logging.Formatter or formatter._fmt != "%(message)s"
            or type(formatter._style) is not logging.PercentStyle or formatter._style._defaults):
        return None
    return handler


class AccessLogger(Logger):
    """``logger_class`` of the services' gunicorn (``common.accesslog.AccessLogger``)."""

    _plans: dict[str, object] = {}
    _lines: dict[str, object] = {}

    def access(self, resp, req, environ, request_time):
        handler = _plain_stream_handler(self.access_log) if self.access_log_enabled else None
        if handler is None:
            return super().access(resp, req, environ, request_time)
        fmt = self.cfg.access_log_format
        line_of = self._lines.get(fmt)
        if line_of is None:
            line_of = self._lines[fmt] = compile_line(fmt) or False
        try:
            if line_of is False:
                line = fmt % self.atoms_wrapper_class(self.atoms(resp, req, environ, request_time))
            else:
                line = line_of(resp, req, environ, request_time)
        except Exception:
            return super().access(resp, req, environ, request_time)
        handler.acquire()
        try:
            handler.stream.write(line + handler.terminator)
            handler.flush()
        except Exception:
            # As the handler would: its own error report, not the request's.
            handler.handleError(logging.makeLogRecord({"msg": line, "name": self.access_log.name}))
        finally:
            handler.release()

    def atoms(self, resp, req, environ, request_time):
        fmt = self.cfg.access_log_format
        planned = self._plans.get(fmt)
        if planned is None:
            planned = self._plans[fmt] = plan(fmt) or False
        if planned is False:
            return super().atoms(resp, req, environ, request_time)
        plain, keyed = planned
        atoms = {name: _ATOMS[name](resp, environ, request_time) for name in plain}
        for key, lowered, source in keyed:
            value = _keyed(resp, req, environ, lowered, source)
            if value is not None:
                atoms[key] = value
        return atoms
