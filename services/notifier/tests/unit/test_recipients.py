import pytest

from notifier.domain.links import InvalidTicketKey, mute_url, ticket_url
from notifier.domain.model import AGENT, CUSTOMER, Account
from notifier.domain.recipients import UnknownAccounts, select_recipients


def acct(id, lang="en", active=True, email=None):
    return Account(id=id, email=email or f"{id}@example.com", display_name=id.title(), language=lang,
                   role="customer", active=active)


ACCOUNTS = {a.id: a for a in [acct("alice"), acct("bob", "fr"), acct("agent"), acct("gone", active=False)]}


def test_customers_and_agents_get_their_side():
    got = select_recipients({"customers": ["alice", "bob"], "agents": ["agent"]}, ACCOUNTS)
    assert [(r.email, r.side, r.language) for r in got] == [
        ("alice@example.com", CUSTOMER, "en"), ("bob@example.com", CUSTOMER, "fr"),
        ("agent@example.com", AGENT, "en"),
    ]


def test_the_actor_is_never_mailed_about_their_own_action():
    got = select_recipients({"customers": ["alice", "bob"], "agents": []}, ACCOUNTS, actor_id="alice")
    assert [r.email for r in got] == ["bob@example.com"]


def test_inactive_accounts_are_skipped():
    got = select_recipients({"customers": ["gone", "alice"], "agents": []}, ACCOUNTS)
    assert [r.email for r in got] == ["alice@example.com"]


def test_an_unknown_account_means_retry_later():
    with pytest.raises(UnknownAccounts) as err:
        select_recipients({"customers": ["alice", "nobody"], "agents": ["ghost"]}, ACCOUNTS)
    assert err.value.ids == ["nobody", "ghost"]


def test_an_unknown_actor_does_not_block_the_email():
    got = select_recipients({"customers": ["alice"], "agents": []}, ACCOUNTS, actor_id="stranger")
    assert [r.email for r in got] == ["alice@example.com"]


def test_internal_notes_never_reach_customers():
    got = select_recipients({"customers": ["alice"], "agents": ["agent"]}, ACCOUNTS, include_customers=False)
    assert [(r.email, r.side) for r in got] == [("agent@example.com", AGENT)]


def test_one_address_is_mailed_once():
    accounts = {**ACCOUNTS, "alias": acct("alias", email="ALICE@example.com")}
    got = select_recipients({"customers": ["alice", "alias"], "agents": ["alice"]}, accounts)
    assert len(got) == 1


def test_links_follow_the_side():
    assert ticket_url("http://h:8080/", "AM-1", CUSTOMER) == "http://h:8080/portal/requests/AM-1"
    assert ticket_url("http://h:8080", "AM-1", AGENT) == "http://h:8080/agent/requests/AM-1"
    assert mute_url("http://h:8080", "AM-12") == "http://h:8080/portal/requests/AM-12/mute"


@pytest.mark.parametrize("key", ["am-1", "AM-0", "AM-1/../x", "AM-1\r\n", "AM", ""])
def test_malformed_ticket_keys_are_refused(key):
    with pytest.raises(InvalidTicketKey):
        ticket_url("http://h", key, CUSTOMER)
