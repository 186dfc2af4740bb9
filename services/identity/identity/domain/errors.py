"""Domain rule violations; the use cases turn them into HTTP errors of ``common.errors``.

Hierarchy::

    DomainError
    ├── PasswordRejected   (the password policy refused a password; message says why)
    └── TokenRejected      (a one-time or refresh token is empty, unknown, used, revoked or expired)
"""


class DomainError(Exception):
    """A rule of the identity domain was broken."""


class PasswordRejected(DomainError):
    """The password policy refused a password."""


class TokenRejected(DomainError):
    """A token cannot be used; ``reason`` is one of empty, unknown, used, revoked, expired."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason
