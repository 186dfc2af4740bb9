"""Reuse of a rotated refresh token within the grace window."""
from datetime import datetime, timedelta, timezone

from identity.domain.tokens import MAX_SIBLINGS, RefreshToken, reuse_within_grace

NOW = datetime(2026, 1, 1, 12, tzinfo=timezone.utc)


def link(**kw) -> RefreshToken:
    fields = dict(id="t1", account_id="a", family_id="f", token_hash="h", created_at=NOW - timedelta(minutes=5),
                  expires_at=NOW + timedelta(days=14))
    fields.update(kw)
    return RefreshToken(**fields)


def rotated(seconds_ago: float) -> RefreshToken:
    return link(used_at=NOW - timedelta(seconds=seconds_ago))


def test_the_immediately_superseded_link_is_accepted_within_the_window():
    assert reuse_within_grace(rotated(5), [link(id="t2", parent_id="t1")], NOW, 30)


def test_after_the_window_it_is_a_reuse():
    assert not reuse_within_grace(rotated(31), [link(id="t2", parent_id="t1")], NOW, 30)


def test_an_older_link_is_a_reuse_even_within_the_window():
    successor = link(id="t2", parent_id="t1", used_at=NOW - timedelta(seconds=1))
    assert not reuse_within_grace(rotated(5), [successor], NOW, 30)


def test_revoked_unrotated_expired_links_and_a_zero_window_get_no_grace():
    child = [link(id="t2", parent_id="t1")]
    assert not reuse_within_grace(link(), child, NOW, 30)
    assert not reuse_within_grace(link(used_at=NOW, revoked_at=NOW), child, NOW, 30)
    assert not reuse_within_grace(link(used_at=NOW, expires_at=NOW), child, NOW, 30)
    assert not reuse_within_grace(rotated(1), child, NOW, 0)
    assert not reuse_within_grace(link(used_at=NOW, revoked_at=None), [link(id="x", revoked_at=NOW)], NOW, 30)


def test_siblings_are_bounded():
    siblings = [link(id=f"s{n}", parent_id="t1") for n in range(MAX_SIBLINGS)]
    assert not reuse_within_grace(rotated(1), siblings, NOW, 30)
