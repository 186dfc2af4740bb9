"""One action, one email per recipient: a status move caused by a comment folds into the comment email."""
from dataclasses import replace

import pytest

from notifier.domain.batching import correlation_key, folds_into_comment

from .test_handlers import account, ticket, world  # noqa: F401  (world is a fixture)


def test_only_a_move_caused_by_a_comment_with_a_correlation_id_folds():
    assert folds_into_comment({"cause": "comment"}, "req-1")
    assert not folds_into_comment({"cause": "transition"}, "req-1")
    assert not folds_into_comment({}, "req-1")
    assert not folds_into_comment({"cause": "comment"}, None)
    assert not folds_into_comment({"cause": "comment"}, "")


def test_long_correlation_ids_are_hashed_to_fit_the_log():
    assert correlation_key("abc") == "abc"
    assert correlation_key(None) is None
    long_id = "x" * 500
    assert len(correlation_key(long_id)) == 64 and correlation_key(long_id) == correlation_key(long_id)
    assert correlation_key(long_id) != correlation_key("y" * 500)


def reply(cid, customers=("cust-1",)):
    event = ticket("ticket.commented", customers=customers, commentId="7", public=True, body="Try again now")
    return replace(event, correlationid=cid)


def moved(cid, cause="comment", customers=("cust-1",)):
    return replace(ticket(customers=customers, cause=cause), correlationid=cid)


@pytest.fixture
def people(world):  # noqa: F811
    world.deliver(account("cust-1", "a@example.com"))
    world.deliver(account("cust-2", "b@example.com"))
    world.deliver(account("agent-1", "agent@example.com", role="agent"))
    return world


def subjects(world):
    return [(rcpts[0], msg["Subject"].split("]")[1].strip().split(":")[0]) for msg, rcpts in world.channel.sent]


def test_an_agent_reply_that_moves_the_status_sends_one_email(people):
    people.deliver(reply("req-1"))
    people.deliver(moved("req-1"))
    assert subjects(people) == [("a@example.com", "New reply on your request")]
    assert "Status: Waiting for customer" in people.channel.sent[0][0].get_body(("plain",)).get_content()


def test_a_recipient_who_did_not_get_the_comment_still_gets_the_status_email(people):
    people.deliver(reply("req-1", customers=["cust-1"]))
    people.deliver(moved("req-1", customers=["cust-1", "cust-2"]))
    assert subjects(people) == [("a@example.com", "New reply on your request"),
                                ("b@example.com", "Your request is now Waiting for customer")]


@pytest.mark.parametrize("status_event", [
    moved("req-2"),                      # another action
    moved("req-1", cause="transition"),  # a transition sharing the id (a client reusing its request id)
    moved(None),                         # no correlation id at all
], ids=["other-action", "transition", "no-correlation-id"])
def test_status_emails_of_other_actions_are_sent(people, status_event):
    people.deliver(reply("req-1"))
    people.deliver(status_event)
    assert len(people.channel.sent) == 2


def test_status_handled_before_its_comment_sends_both(people):
    people.deliver(moved("req-1"))
    people.deliver(reply("req-1"))
    assert len(people.channel.sent) == 2


def test_the_comment_email_of_another_request_does_not_fold_the_status_email(people):
    people.deliver(reply("req-1"))
    other = moved("req-1")
    other.data.update(key="AM-2")
    people.deliver(other)
    assert len(people.channel.sent) == 2


def test_a_redelivered_status_event_stays_folded(people):
    people.deliver(reply("req-1"))
    event = moved("req-1")
    people.deliver(event)
    people.deliver(event)
    assert len(people.channel.sent) == 1
