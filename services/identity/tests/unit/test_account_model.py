from datetime import datetime, timezone

import pytest

from identity.domain.errors import DomainError
from identity.domain.model import (
    Account, InvalidEmail, check_language, check_time_zone, clean_name, invitation_state, normalise_email,
)

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


def test_emails_are_trimmed_and_lower_cased():
    assert normalise_email("  Alice@Example.COM ") == "alice@example.com"


@pytest.mark.parametrize("email", ["", "alice", "alice@", "a b@example.com", "x@y", None, "a@b.c\nBcc: e@f.g"])
def test_malformed_emails_are_refused(email):
    with pytest.raises(InvalidEmail):
        normalise_email(email)


def test_names_with_line_breaks_are_refused():
    with pytest.raises(DomainError, match="line breaks"):
        clean_name("Alice\r\nBcc: x@example.com")
    assert clean_name("  Alice   Example ") == "Alice Example"


def test_an_invited_account_cannot_log_in_until_accepted():
    account = Account(email="a@example.com")
    assert not account.can_log_in
    account.set_password("hash", NOW)
    account.verify_email(NOW)
    assert account.can_log_in
    account.deactivate(NOW)
    assert not account.can_log_in


@pytest.mark.parametrize("has_password, token_state, expected", [
    (False, "valid", "pending"), (False, "expired", "expired"), (False, "revoked", "expired"),
    (False, None, "expired"), (True, "used", "accepted"),
])
def test_invitation_state(has_password, token_state, expected):
    account = Account(email="a@example.com", email_verified=has_password, password_hash="h" if has_password else None)
    assert invitation_state(account, token_state) == expected


def test_profile_updates_report_whether_anything_changed():
    account = Account(email="a@example.com", language="en")
    assert account.update_profile(NOW, language="fr")
    assert not account.update_profile(NOW, language="fr")


def test_language_and_time_zone_are_checked():
    assert check_language("fr") == "fr"
    with pytest.raises(DomainError):
        check_language("xx")
    assert check_time_zone("Europe/Paris") == "Europe/Paris"
    with pytest.raises(DomainError, match="IANA"):
        check_time_zone("Mars/Olympus")
