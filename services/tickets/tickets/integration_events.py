"""Domain events -> versioned CloudEvents for ``tickets.events``, each with its audience."""
from __future__ import annotations

from common.events import CloudEvent, event_type
from common.log import current_correlation_id

from .domain import events as ev
from .domain.audience import audience
from .domain.catalog import Desk
from .domain.model import Ticket

SOURCE = "/servicedesk/tickets"


def _base(ticket: Ticket, desk: Desk, event: ev.DomainEvent, agent_ids: list[str], public: bool = True,
          customers_too: bool = True, watchers=()) -> dict:
    aud = audience(actor_id=event.actor_id, actor_is_agent=event.actor_is_agent, reporter_id=ticket.reporter_id,
                   participant_ids=ticket.participant_ids, assignee_id=ticket.assignee_id, agent_ids=agent_ids,
                   muted_ids=ticket.muted_ids, public=public, customers_too=customers_too, watcher_ids=watchers)
    return {
        "ticketId": str(ticket.id),
        "key": ticket.key,
        "deskId": str(desk.id),
        "deskKey": desk.key,
        "deskName": desk.name,
        "deskEmail": desk.email_address,
        "requestTypeId": str(ticket.request_type_id),
        "summary": ticket.summary,
        "status": ticket.status.value,
        "reporterId": ticket.reporter_id,
        "assigneeId": ticket.assignee_id,
        "actorId": event.actor_id,
        "actorIsAgent": event.actor_is_agent,
        "audience": aud.to_dict(),
    }


def _attachment(attachment) -> dict:
    """What subscribers learn of a file: never its content or where it is stored."""
    return {"attachmentId": str(attachment.id), "filename": attachment.filename, "size": attachment.size,
            "mimeType": attachment.mime_type}


def _payload(event: ev.DomainEvent, ticket: Ticket, desk: Desk, agent_ids: list[str], watchers=()
             ) -> tuple[str, dict]:
    if isinstance(event, ev.ParticipantInvited):
        # For identity, which creates the external customer and mails the invitation: no audience.
        return "ticket.participant_invited", {
            "ticketId": str(ticket.id), "key": ticket.key, "deskId": str(desk.id), "deskKey": desk.key,
            "deskName": desk.name, "summary": ticket.summary, "email": event.email, "invitedBy": event.actor_id,
            "language": event.language}
    if isinstance(event, ev.TicketCreated):
        data = _base(ticket, desk, event, agent_ids)
        data.update(organizationIds=[str(o) for o in sorted(ticket.organization_ids)],
                    participantIds=sorted(ticket.participant_ids), description=ticket.description,
                    channel=event.channel)
        return "ticket.created", data
    if isinstance(event, ev.Commented):
        c = event.comment
        data = _base(ticket, desk, event, agent_ids, public=c.public, watchers=watchers)
        data.update(commentId=str(c.id), public=c.public, body=c.body,
                    attachments=[_attachment(a) for a in c.attachments])
        return "ticket.commented", data
    if isinstance(event, ev.AttachmentsAdded):
        # Who hears of it as of a comment: an internal one reaches no customer.
        data = _base(ticket, desk, event, agent_ids, public=event.public, watchers=watchers)
        data.update(public=event.public, commentId=str(event.comment.id) if event.comment else None,
                    attachments=[_attachment(a) for a in event.attachments])
        return "ticket.attachment_added", data
    if isinstance(event, ev.StatusChanged):
        data = _base(ticket, desk, event, agent_ids, watchers=watchers)
        data.update(fromStatus=event.from_status, toStatus=event.to_status, cause=event.cause)
        return "ticket.status_changed", data
    if isinstance(event, ev.ParticipantsChanged):
        data = _base(ticket, desk, event, agent_ids)
        data.update(added=list(event.added), removed=list(event.removed),
                    participantIds=sorted(ticket.participant_ids))
        return "ticket.participants_changed", data
    if isinstance(event, ev.Shared):
        data = _base(ticket, desk, event, agent_ids)
        data.update(added=[str(o) for o in event.added], removed=[str(o) for o in event.removed],
                    organizationIds=[str(o) for o in sorted(ticket.organization_ids)])
        return "ticket.shared", data
    if isinstance(event, ev.Assigned):
        data = _base(ticket, desk, event, agent_ids, customers_too=False)
        data.update(fromAssigneeId=event.from_assignee, toAssigneeId=event.to_assignee)
        return "ticket.assigned", data
    if isinstance(event, ev.Updated):
        data = _base(ticket, desk, event, agent_ids, customers_too=False)
        data.update(changedFields=sorted(event.changed))
        return "ticket.updated", data
    raise TypeError(f"no integration event for {type(event).__name__}")


def to_cloud_events(ticket: Ticket, desk: Desk, agent_ids: list[str], watchers=()) -> list[CloudEvent]:
    """The ticket's recorded domain events as CloudEvents (and the record cleared).

    ``agent_ids`` are the desk's agents; ``watchers`` the opted-in organisation members who still see
    the ticket (they hear about comments and status moves, like the reporter).
    """
    out = []
    for event in ticket.events:
        name, data = _payload(event, ticket, desk, agent_ids, watchers)
        out.append(CloudEvent(type=event_type(name, 1), source=SOURCE, subject=ticket.key, data=data,
                              correlationid=current_correlation_id()))
    ticket.events.clear()
    return out
