"""Typed settings read from the environment, in one place.

A required key that is missing fails at start-up and names the key; optional keys carry explicit
defaults. Services build a frozen dataclass from these readers once and pass it to ``create_app``.
"""
from __future__ import annotations

import os
from typing import Callable, Mapping, TypeVar

T = TypeVar("T")
_MISSING = object()


class ConfigError(RuntimeError):
    """A required setting is missing or cannot be parsed."""


def as_bool(value: str) -> bool:
    """Parse the usual spellings of a boolean setting."""
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"not a boolean: {value!r}")


def as_list(value: str) -> list[str]:
    """Parse a comma-separated setting into a list of non-empty items."""
    return [item.strip() for item in value.split(",") if item.strip()]


_SIZE_UNITS = {"": 1, "B": 1, "K": 1024, "KB": 1024, "KIB": 1024, "M": 1024**2, "MB": 1024**2, "MIB": 1024**2,
               "G": 1024**3, "GB": 1024**3, "GIB": 1024**3}


def as_size(value: str) -> int:
    """Parse a size in bytes: ``26214400``, ``25M``, ``25MB`` or ``25MiB`` (units are powers of 1024)."""
    text = value.strip().upper().replace(" ", "")
    number = text.rstrip("KMGIB")
    unit = text[len(number):]
    if not number.isdigit() or unit not in _SIZE_UNITS:
        raise ValueError(f"not a size: {value!r} (give bytes, or a number with K, M or G)")
    return int(number) * _SIZE_UNITS[unit]


def human_size(size: int) -> str:
    """``25 MB``, ``1.5 KB``, ``900 bytes``: a size as limits are named in messages (the units of ``as_size``)."""
    for unit, factor in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= factor:
            value = size / factor
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{size} bytes"


class Env:
    """Reads settings from a mapping (``os.environ`` by default), optionally trying a prefix first.

    With ``prefix="TICKETS_"``, ``env("DATABASE_URL")`` reads ``TICKETS_DATABASE_URL`` and falls
    back to ``DATABASE_URL``, so one machine can host several services with their own databases.
    Each name may instead be given as ``<NAME>_FILE``, the path of a file holding the value.
    """

    def __init__(self, prefix: str = "", environ: Mapping[str, str] | None = None):
        self.prefix = prefix
        self.environ = os.environ if environ is None else environ

    def __call__(self, key: str, cast: Callable[[str], T] = str, default=_MISSING) -> T:
        names = [self.prefix + key, key] if self.prefix else [key]
        for name in names:
            raw = self.environ.get(name)
            if raw is None and self.environ.get(name + "_FILE"):
                raw = self._read_file(name + "_FILE")
            if raw is not None:
                try:
                    return cast(raw)
                except ValueError as exc:
                    raise ConfigError(f"setting {name} has an invalid value: {exc}") from exc
        if default is _MISSING:
            raise ConfigError(f"missing required setting {' or '.join(names)}")
        return default

    def _read_file(self, name: str) -> str:
        # Kubernetes and compose mount secrets as files: KEY_FILE names the file holding KEY.
        path = self.environ[name]
        try:
            with open(path, encoding="utf-8") as handle:
                return handle.read().strip()
        except OSError as exc:
            raise ConfigError(f"setting {name} names a file that cannot be read: {path} ({exc.strerror})") from exc
