"""Password policy (ASVS 6.2): a length floor, a generous ceiling, no composition rules, no common passwords."""
from __future__ import annotations

import functools
from importlib import resources

from .errors import PasswordRejected

MIN_LENGTH = 10
MAX_LENGTH = 256


@functools.lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords (lower-cased)."""
    text = resources.files("identity").joinpath("data/common-passwords.txt").read_text("utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def check_password(password: object, email: str | None = None) -> str:
    """Return ``password`` if the policy accepts it, else raise PasswordRejected saying why."""
    if not isinstance(password, str) or not password:
        raise PasswordRejected("Choose a password.")
    if len(password) < MIN_LENGTH:
        raise PasswordRejected(f"The password is too short: use at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        raise PasswordRejected(f"The password is too long: use at most {MAX_LENGTH} characters.")
    lowered = password.lower()
    # "password2024!" is as guessable as "password": compare the stem without trailing digits and symbols.
    stem = lowered.rstrip("0123456789!@#$%^&*()-_=+.?")
    if lowered in common_passwords() or stem in common_passwords() or len(set(lowered)) < 3:
        raise PasswordRejected("This password is too common and easy to guess: choose another one.")
    if email:
        local = email.split("@", 1)[0].lower()
        if lowered in (email.lower(), local):
            raise PasswordRejected("The password must not be your email address.")
    return password
