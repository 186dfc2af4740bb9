from datetime import datetime, timedelta, timezone

import pytest

from identity.domain.errors import TokenRejected
from identity.domain.tokens import (
    API_TOKEN_PREFIX, INVITE, RESET, OneTimeToken, RefreshToken, hash_secret, new_api_token, new_secret,
    require_secret,
)

NOW = datetime(2026, 1, 1, 12, tzinfo=timezone.utc)


def token(**kw) -> OneTimeToken:
    fields = dict(account_id="a", purpose=INVITE, token_hash="h", created_at=NOW, expires_at=NOW + timedelta(days=7))
    fields.update(kw)
    return OneTimeToken(**fields)


def test_secrets_carry_256_random_bits_and_are_stored_hashed():
    secret = new_secret()
    assert len(secret) >= 43 and secret != new_secret()
    assert hash_secret(secret) != secret and len(hash_secret(secret)) == 64
    assert new_api_token().startswith(API_TOKEN_PREFIX)


@pytest.mark.parametrize("value", [None, "", "   ", 42])
def test_an_empty_token_never_matches(value):
    with pytest.raises(TokenRejected) as exc:
        require_secret(value)
    assert exc.value.reason == "empty"


def test_a_token_redeems_once():
    tok = token()
    tok.redeem(NOW, INVITE)
    with pytest.raises(TokenRejected) as exc:
        tok.redeem(NOW, INVITE)
    assert exc.value.reason == "used"


def test_an_expired_token_is_refused():
    tok = token()
    with pytest.raises(TokenRejected) as exc:
        tok.redeem(NOW + timedelta(days=7), INVITE)
    assert exc.value.reason == "expired"


def test_a_revoked_token_is_refused():
    tok = token()
    tok.revoke(NOW)
    assert tok.state(NOW) == "revoked"
    with pytest.raises(TokenRejected):
        tok.redeem(NOW, INVITE)


def test_a_token_only_works_for_its_purpose():
    with pytest.raises(TokenRejected) as exc:
        token(purpose=RESET).redeem(NOW, INVITE)
    assert exc.value.reason == "unknown"


def test_naive_expiry_from_sqlite_is_read_as_utc():
    tok = token(expires_at=(NOW + timedelta(hours=1)).replace(tzinfo=None))
    assert tok.state(NOW) == "valid"
    assert tok.state(NOW + timedelta(hours=2)) == "expired"


def test_a_rotated_refresh_token_reports_reuse():
    tok = RefreshToken(id="1", account_id="a", family_id="f", token_hash="h", created_at=NOW,
                       expires_at=NOW + timedelta(days=1), used_at=NOW)
    with pytest.raises(TokenRejected) as exc:
        tok.check(NOW)
    assert exc.value.reason == "used"
