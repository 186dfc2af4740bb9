import time

import jwt
import pytest

from common import auth
from common.auth import Principal, TokenIssuer, TokenVerifier, generate_private_key_pem, jwks_document
from common.errors import Unauthorized

KEY = generate_private_key_pem()
ISSUER = TokenIssuer(KEY, ttl_seconds=60)


def test_verifies_its_own_tokens():
    token = ISSUER.issue(Principal(id="u1", email="a@example.com", role="agent", name="A"))
    principal = TokenVerifier([ISSUER.public_pem]).verify(token)
    assert (principal.id, principal.role, principal.is_agent) == ("u1", "agent", True)


def test_refuses_a_token_signed_by_another_key():
    other = TokenIssuer(generate_private_key_pem())
    token = other.issue(Principal(id="u1", email="a@example.com"))
    with pytest.raises(Unauthorized):
        TokenVerifier([ISSUER.public_pem]).verify(token)


def test_refuses_expired_tokens():
    issuer = TokenIssuer(KEY, ttl_seconds=-60)
    token = issuer.issue(Principal(id="u1", email="a@example.com"))
    with pytest.raises(Unauthorized, match="expired"):
        TokenVerifier([ISSUER.public_pem], leeway=0).verify(token)


def test_refuses_alg_none_and_hs256_confusion():
    claims = {"sub": "u1", "role": "admin", "iss": "servicedesk-identity", "aud": "servicedesk",
              "iat": int(time.time()), "exp": int(time.time()) + 60}
    unsigned = jwt.encode(claims, None, algorithm="none", headers={"typ": "at+jwt"})
    hs = jwt.encode(claims, "secret-secret-secret-secret-secret!", algorithm="HS256", headers={"typ": "at+jwt"})
    verifier = TokenVerifier([ISSUER.public_pem])
    for token in (unsigned, hs):
        with pytest.raises(Unauthorized):
            verifier.verify(token)


def test_jwks_document_has_the_key_id():
    doc = jwks_document(ISSUER.public_pem)
    assert doc["keys"][0]["kid"] == ISSUER.kid and doc["keys"][0]["alg"] == "RS256"


@pytest.mark.parametrize(("role", "staff", "admin", "customer"), auth.ROLE_TABLE)
def test_the_role_rule_follows_its_table(role, staff, admin, customer):
    assert (auth.is_staff(role), auth.is_admin(role), auth.is_customer(role)) == (staff, admin, customer)
    if role in auth.ROLES:
        principal = auth.Principal(id="a", email="a@example.com", role=role)
        assert (principal.is_agent, principal.is_admin) == (staff, admin)


def test_the_role_table_covers_every_role():
    assert set(auth.ROLES) <= {row[0] for row in auth.ROLE_TABLE}
    assert auth.STAFF_ROLES == tuple(r for r in auth.ROLES if auth.is_staff(r))
