import pytest

from common.errors import ValidationFailed
from identity.domain.errors import DomainError, PasswordRejected, TokenRejected
from identity.openapi import document
from identity.services.base import InvalidToken, rules


def test_the_openapi_document_lists_the_fixed_convention_endpoints():
    paths = document()["paths"]
    for path in ("/api/identity/login", "/api/identity/refresh", "/api/identity/logout",
                 "/api/identity/invitations", "/api/identity/invitations/accept", "/api/identity/signup",
                 "/api/identity/signup/confirm", "/api/identity/password/forgot", "/api/identity/password/reset",
                 "/api/identity/me", "/api/identity/me/password", "/api/identity/me/tokens"):
        assert path in paths


@pytest.mark.parametrize("raised, expected, fragment", [
    (TokenRejected("used"), InvalidToken, "already been used"),
    (TokenRejected("expired"), InvalidToken, "expired"),
    (TokenRejected("empty"), InvalidToken, "no token"),
    (PasswordRejected("too short"), ValidationFailed, "too short"),
    (DomainError("language must be en"), ValidationFailed, "language"),
])
def test_domain_errors_become_400s_with_a_reason(raised, expected, fragment):
    with pytest.raises(expected) as exc:
        with rules("password"):
            raise raised
    assert exc.value.status == 400 and fragment in exc.value.message
