"""Peer advisories about mail threading and spoofing (peer lessons §4.4), against the mail rule's decide()."""
from dataclasses import replace

from common.replytokens import NOTE, REPLY, ReplyTag, sign
from tickets.mail.rules import CASE_SECRET, Facts, decide

ALICE_TAG = sign(CASE_SECRET, REPLY, "AM-1", "alice")


def test_freescout_ghsa_8vm3_a_guessable_thread_id_never_threads_mail():
    guessed = ReplyTag(REPLY, "AM-1", "a" * len(ALICE_TAG.mac))  # the right shape, a made-up signature
    for facts in (Facts((guessed,), (), None, "alice", "none"), Facts((), (guessed,), None, "alice", "none"),
                  Facts((), (), "AM-1", "alice", "none")):  # a key in the subject without DMARC
        assert decide(facts, CASE_SECRET).action != "comment", facts


def test_freescout_ghsa_6r38_a_reply_needs_the_token_and_the_senders_own_account():
    assert decide(Facts((ALICE_TAG,), (), None, "alice", "none"), CASE_SECRET).action == "comment"
    assert decide(Facts((ALICE_TAG,), (), None, "mallory", "none"), CASE_SECRET).action != "comment"
    note = sign(CASE_SECRET, NOTE, "AM-1", "agent")
    assert decide(Facts((note,), (), None, "customer", "none"), CASE_SECRET).action != "comment"


def test_freescout_ghsa_j49f_an_unknown_sender_never_takes_over_a_request():
    unknown = Facts((ALICE_TAG,), (), None, None, "none", desk=True, desk_signup=True)
    decision = decide(unknown, CASE_SECRET)
    assert decision.action != "comment"
    assert decide(replace(unknown, address_tags=()), CASE_SECRET).key is None  # at most a new request of its own
