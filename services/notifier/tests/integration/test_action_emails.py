"""Assignment, sharing and one-email-per-action through RabbitMQ, PostgreSQL and a real SMTP server."""
import time
import uuid
from dataclasses import replace

from .conftest import wait_for
from .test_delivery import account_created, ev, plain, status_changed, subject


def ticket_event(name, customers=(), agents=(), actor="agent-0", **extra):
    data = {"ticketId": "1", "key": "AM-1", "deskId": "1", "deskKey": "AM", "deskName": "Audio Matching",
            "requestTypeId": "1", "summary": "Fingerprints missing", "status": "waiting_for_customer",
            "reporterId": "r", "actorId": actor, "audience": {"customers": list(customers), "agents": list(agents)}}
    data.update(extra)
    return ev(name, data, subject="AM-1")


def test_the_new_assignee_is_mailed_and_a_self_assignment_is_not(running, mailbox):
    boss, agent = str(uuid.uuid4()), str(uuid.uuid4())
    running.publish("identity", account_created(boss, "boss@example.com", role="agent", name="Boss"))
    running.publish("identity", account_created(agent, "assignee@example.com", "de", role="agent"))
    running.publish("tickets", ticket_event("ticket.assigned", agents=[], actor=agent, assigneeId=agent,
                                            fromAssigneeId=None, toAssigneeId=agent))
    running.publish("tickets", ticket_event("ticket.assigned", agents=[agent], actor=boss, assigneeId=agent,
                                            fromAssigneeId=None, toAssigneeId=agent))
    [message] = wait_for(lambda: mailbox.to("assignee@example.com"), what="the assignment email")
    assert subject(message) == "AM-1 wurde Ihnen zugewiesen: Fingerprints missing"
    assert "Boss hat Ihnen AM-1 zugewiesen." in plain(message)
    time.sleep(0.3)
    assert len(mailbox.to("assignee@example.com")) == 1 and mailbox.to("boss@example.com") == []


def test_sharing_tells_opted_in_members_which_organisation(running, mailbox):
    member = str(uuid.uuid4())
    running.publish("identity", account_created(member, "member@example.com", "es"))
    running.publish("tickets", ticket_event("ticket.shared", customers=[member], added=["7"], removed=[],
                                            organizationIds=["7"], organizationNames={"7": "Acme Media"}))
    [message] = wait_for(lambda: mailbox.to("member@example.com"), what="the sharing email")
    assert subject(message) == "[AM-1] Se compartió una solicitud con Acme Media: Fingerprints missing"


def test_an_agent_reply_that_moves_the_status_is_one_email(running, mailbox):
    customer, agent = str(uuid.uuid4()), str(uuid.uuid4())
    running.publish("identity", account_created(customer, "reader@example.com"))
    running.publish("identity", account_created(agent, "agent@example.com", role="agent", name="Agent Smith"))
    comment = ticket_event("ticket.commented", customers=[customer], actor=agent, commentId="9", public=True,
                           body="Please retry the upload.")
    status = status_changed(customer, agent)
    status.data["cause"] = "comment"
    running.publish("tickets", replace(comment, correlationid="req-42"))
    running.publish("tickets", replace(status, correlationid="req-42"))
    # A later transition in another request is mailed as usual, and marks the end of the batch.
    later = status_changed(customer, agent)
    later.data.update(cause="transition", fromStatus="Waiting for customer", toStatus="Resolved")
    running.publish("tickets", replace(later, correlationid="req-43"))
    wait_for(lambda: len(mailbox.to("reader@example.com")) >= 2, what="the reply and the later status email")
    time.sleep(0.3)
    subjects = [subject(m) for m in mailbox.to("reader@example.com")]
    assert subjects == ["[AM-1] New reply on your request: Fingerprints missing",
                        "[AM-1] Your request is now Resolved"]


def test_a_password_change_is_told_to_the_owner_with_the_forgot_password_link(running, mailbox):
    account_id = str(uuid.uuid4())
    running.publish("identity", ev("password.changed", {"accountId": account_id, "email": "owner@example.com",
                                                        "language": "de", "displayName": "Owner"},
                                   subject=account_id))
    [message] = wait_for(lambda: mailbox.to("owner@example.com"), what="the password-changed email")
    assert subject(message) == "Ihr Service-Desk-Passwort wurde geändert"
    body = plain(message)
    assert "Hallo Owner," in body and "http://desk.test/portal/forgot-password" in body
    assert body.count("http") == 1
