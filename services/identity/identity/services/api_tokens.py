"""API tokens for HTTP Basic (email + token): created and revoked in the profile, shown once."""
from __future__ import annotations

import uuid

from common.auth import Principal
from common.errors import NotFound, ValidationFailed

from ..domain.model import clean_name
from ..domain.tokens import ApiToken, hash_secret, new_api_token
from .base import Deps, rules

MAX_TOKENS = 20


def list_tokens(deps: Deps, *, actor: Principal) -> list[ApiToken]:
    with deps.uow() as uow:
        return uow.repo.api_tokens_of(actor.id)


def create(deps: Deps, *, actor: Principal, label: object) -> tuple[ApiToken, str]:
    """Create a token; the secret is returned this once and only its hash is kept."""
    with rules("label"):
        name = clean_name(label, "label")
    if not name or len(name) > 100:
        raise ValidationFailed("Give the token a label of 1 to 100 characters.", errors={"label": ["Required."]})
    secret = new_api_token()
    with deps.uow() as uow:
        if len(uow.repo.api_tokens_of(actor.id)) >= MAX_TOKENS:
            raise ValidationFailed(f"You already have {MAX_TOKENS} API tokens: revoke one first.")
        token = ApiToken(id=str(uuid.uuid4()), account_id=actor.id, label=name, token_hash=hash_secret(secret),
                         created_at=deps.now())
        uow.repo.add(token)
        uow.commit()
    return token, secret


def revoke(deps: Deps, *, actor: Principal, token_id: str) -> None:
    with deps.uow() as uow:
        token = next((t for t in uow.repo.api_tokens_of(actor.id) if t.id == token_id), None)
        if token is None:
            raise NotFound(f"You have no API token with the id '{token_id}'.")
        uow.repo.delete(token)
        uow.commit()
