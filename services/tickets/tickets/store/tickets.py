"""Loads and saves Ticket aggregates; never commits (the unit of work does)."""
from __future__ import annotations

from sqlalchemy import Integer, String, bindparam, cast, delete, insert, literal, null, select, union_all, update
from sqlalchemy.orm import Session

from ..domain.ids import as_id
from ..domain.model import Comment, HistoryEntry, Ticket
from ..domain.status import Status
from ..domain.visibility import Viewer
from . import queries
from .tables import (
    comments, service_desks, ticket_emails, ticket_history, ticket_invitations, ticket_mutes, ticket_participants,
    ticket_shares, ticket_watchers, tickets,
)

SETS = ((ticket_participants, "account_id", "participant_ids"), (ticket_shares, "organization_id", "organization_ids"),
        (ticket_mutes, "account_id", "muted_ids"), (ticket_watchers, "account_id", "watcher_ids"))

# Built once: a new ticket's statements run on every intake, and building them cost more than running them.
_INSERT_TICKET = insert(tickets).returning(tickets.c.id)
_INSERT_HISTORY = insert(ticket_history).inline()  # no id read back: it can travel with the COMMIT


def _numbered_insert():
    """PostgreSQL: take the desk's next number and insert the ticket with it and its key, in one statement."""
    columns = ("request_type_id", "reporter_id", "assignee_id", "summary", "description", "field_values", "status",
               "updated_at", "status_changed_at", "last_activity_at", "created_at")
    desk = bindparam("p_desk_id", type_=Integer)
    numbered = (update(service_desks).where(service_desks.c.id == desk)
                .values(last_ticket_number=service_desks.c.last_ticket_number + 1)
                .returning(service_desks.c.last_ticket_number.label("number")).cte("numbered"))
    row = select(desk, *(bindparam(f"p_{c}", type_=tickets.c[c].type) for c in columns), numbered.c.number,
                 bindparam("p_prefix", type_=String) + cast(numbered.c.number, String))
    return (insert(tickets).from_select(["desk_id", *columns, "number", "key"], row)
            .returning(tickets.c.id, tickets.c.number))


_INSERT_NUMBERED_TICKET = _numbered_insert()


class TicketRepository:
    def __init__(self, session: Session):
        self.session = session

    def add(self, ticket: Ticket, numbering: str | None = None) -> bool:
        """Insert a new ticket with everything it recorded; True when it got its number and key too.

        ``numbering`` (the desk's key): on PostgreSQL the desk's counter and the ticket row are one
        statement, which locks the counter row until commit (concurrent creations on one desk queue
        there; a rolled-back creation gives its number back). The ticket's other rows come after it:
        in ``UnitOfWork.committing`` they travel with the COMMIT, so the lock lasts one round trip.
        Otherwise (and on SQLite) the number and key come last (``DeskRepository.number_ticket``)
        unless already reserved.
        """
        values = dict(request_type_id=ticket.request_type_id, **self._columns(ticket), created_at=ticket.created_at)
        numbered = numbering is not None and self.session.get_bind().dialect.name == "postgresql"
        if numbered:
            row = self.session.execute(_INSERT_NUMBERED_TICKET, {
                "p_desk_id": ticket.desk_id, "p_prefix": f"{numbering}-",
                **{f"p_{k}": v for k, v in values.items()}}).one()
            ticket.id, ticket.number = row.id, row.number
            ticket.key = f"{numbering}-{row.number}"
        else:
            ticket.id = self.session.execute(_INSERT_TICKET, dict(
                desk_id=ticket.desk_id, number=ticket.number, key=ticket.key, **values)).scalar_one()
        self._sync_sets(ticket, (set(), set(), set(), set()), {})
        self._flush_new(ticket)
        return numbered

    def get(self, key_or_id: str, for_update: bool = False) -> Ticket | None:
        """A ticket by key (``AM-1``, any case) or numeric id, with its participants, shares and mutes."""
        ref = str(key_or_id).strip()
        ident = as_id(ref)
        cond = tickets.c.id == ident if ident is not None else tickets.c.key == ref.upper()
        query = select(tickets).where(cond)
        if for_update:
            # Serialise concurrent writers of one ticket so a status move is never lost.
            query = query.with_for_update()
        row = self.session.execute(query).first()
        return self._load(row) if row else None

    def many(self, ids: list[int]) -> list[Ticket]:
        """Tickets by id, in the order of ``ids``."""
        if not ids:
            return []
        rows = {r.id: r for r in self.session.execute(select(tickets).where(tickets.c.id.in_(ids))).all()}
        sets, invited = self._related(list(rows))
        return [self._load(rows[i], sets, invited) for i in ids if i in rows]

    def save(self, ticket: Ticket) -> None:
        """Write a loaded ticket's changes: columns, sets, new comments and history."""
        sets, invited = self._related([ticket.id])
        self.session.execute(update(tickets).where(tickets.c.id == ticket.id).values(**self._columns(ticket)))
        self._sync_sets(ticket, sets[ticket.id], invited[ticket.id])
        self._flush_new(ticket)

    def search(self, viewer: Viewer, filter_: queries.RequestFilter, start: int, limit: int) -> tuple[list[Ticket], bool]:
        """One page of visible tickets and whether it is the last (look-ahead, no totals)."""
        ids = list(self.session.execute(
            queries.request_query(viewer, filter_).offset(start).limit(limit + 1)).scalars())
        return self.many(ids[:limit]), len(ids) <= limit

    def count(self, viewer: Viewer, filters: dict[str, queries.RequestFilter]) -> dict[str, int]:
        """How many visible tickets match each named filter, in one statement."""
        row = self.session.execute(queries.count_query(viewer, filters)).one()
        return dict(row._mapping)

    # -- comments and history ----------------------------------------------------------------
    def comments(self, ticket_id: int, public: bool, internal: bool, start: int, limit: int) -> tuple[list[Comment], bool]:
        kinds = [flag for flag, wanted in ((True, public), (False, internal)) if wanted]
        rows = self.session.execute(
            select(comments).where(comments.c.ticket_id == ticket_id, comments.c.public.in_(kinds))
            .order_by(comments.c.created_at, comments.c.id).offset(start).limit(limit + 1)
        ).all()
        return [self._comment(r) for r in rows[:limit]], len(rows) <= limit

    def comments_of(self, ticket_ids: list[int], internal_for: set[int], limit: int) -> dict[int, list[Comment]]:
        """The first ``limit`` comments of each ticket in one statement; internal notes only for ``internal_for``."""
        out: dict[int, list[Comment]] = {i: [] for i in ticket_ids}
        if not ticket_ids:
            return out
        readable = comments.c.public.is_(True)
        if internal_for:
            readable = readable | comments.c.ticket_id.in_(sorted(internal_for))
        rows = self.session.execute(
            select(comments).where(comments.c.ticket_id.in_(ticket_ids), readable)
            .order_by(comments.c.ticket_id, comments.c.created_at, comments.c.id)).all()
        for r in rows:
            if len(out[r.ticket_id]) < limit:
                out[r.ticket_id].append(self._comment(r))
        return out

    def status_histories(self, ticket_ids: list[int], limit: int) -> dict[int, list[tuple[str, object]]]:
        """The latest ``limit`` (status, when) pairs of each ticket, most recent first, in one statement."""
        out: dict[int, list[tuple[str, object]]] = {i: [] for i in ticket_ids}
        if not ticket_ids:
            return out
        h = ticket_history
        rows = self.session.execute(
            select(h.c.ticket_id, h.c.to_value, h.c.at).where(h.c.ticket_id.in_(ticket_ids), h.c.kind == "status")
            .order_by(h.c.ticket_id, h.c.at.desc(), h.c.id.desc())).all()
        for r in rows:
            if len(out[r.ticket_id]) < limit:
                out[r.ticket_id].append((r.to_value, r.at))
        return out

    def comment(self, ticket_id: int, comment_id: int) -> Comment | None:
        row = self.session.execute(select(comments).where(
            comments.c.ticket_id == ticket_id, comments.c.id == comment_id)).first()
        return self._comment(row) if row else None

    def status_history(self, ticket_id: int, start: int, limit: int) -> tuple[list[tuple[str, object]], bool]:
        """(status, when) pairs, most recent first."""
        rows = self.session.execute(
            select(ticket_history.c.to_value, ticket_history.c.at)
            .where(ticket_history.c.ticket_id == ticket_id, ticket_history.c.kind == "status")
            .order_by(ticket_history.c.at.desc(), ticket_history.c.id.desc()).offset(start).limit(limit + 1)
        ).all()
        return [(r.to_value, r.at) for r in rows[:limit]], len(rows) <= limit

    def history(self, ticket_id: int, include_internal: bool) -> list[HistoryEntry]:
        """Every recorded change, oldest first (internal notes and attachments only when asked for)."""
        query = select(ticket_history).where(ticket_history.c.ticket_id == ticket_id)
        if not include_internal:
            query = query.where(~(ticket_history.c.kind.in_(("comment", "attachment"))
                                  & (ticket_history.c.to_value == "internal")))
        rows = self.session.execute(query.order_by(ticket_history.c.at, ticket_history.c.id)).all()
        return [HistoryEntry(kind=r.kind, actor_id=r.actor_id, at=r.at, field=r.field, from_value=r.from_value,
                             to_value=r.to_value) for r in rows]

    def emails(self, ticket_id: int) -> list:
        """The emails kept for agents (``ticket_emails``), oldest first."""
        return self.session.execute(select(ticket_emails).where(ticket_emails.c.ticket_id == ticket_id)
                                    .order_by(ticket_emails.c.received_at, ticket_emails.c.id)).all()

    # -- internals ---------------------------------------------------------------------------
    @staticmethod
    def _columns(ticket: Ticket) -> dict:
        return dict(reporter_id=ticket.reporter_id, assignee_id=ticket.assignee_id, summary=ticket.summary,
                    description=ticket.description, field_values=ticket.field_values,
                    status=ticket.status.value, updated_at=ticket.updated_at,
                    status_changed_at=ticket.status_changed_at, last_activity_at=ticket.last_activity_at)

    def invited_ticket_ids(self, email: str) -> list[int]:
        """Tickets with a pending participant invitation for ``email``."""
        return list(self.session.execute(select(ticket_invitations.c.ticket_id).where(
            ticket_invitations.c.email == email.strip().lower()).order_by(ticket_invitations.c.ticket_id)).scalars())

    def _related(self, ids: list[int]) -> tuple[dict[int, tuple[set, ...]], dict[int, dict[str, str]]]:
        """Participants, shares, mutes, watchers and pending invitations of the tickets, in one statement."""
        sets = {i: tuple(set() for _ in SETS) for i in ids}
        invited: dict[int, dict[str, str]] = {i: {} for i in ids}
        if not ids:
            return sets, invited
        parts = [select(table.c.ticket_id, literal(index).label("kind"), cast(table.c[column], String).label("value"),
                        null().label("extra")).where(table.c.ticket_id.in_(ids))
                 for index, (table, column, _) in enumerate(SETS)]
        inv = ticket_invitations
        parts.append(select(inv.c.ticket_id, literal(len(SETS)).label("kind"), inv.c.email.label("value"),
                            inv.c.invited_by.label("extra")).where(inv.c.ticket_id.in_(ids)))
        for tid, kind, value, extra in self.session.execute(union_all(*parts)).all():
            if kind == len(SETS):
                invited[tid][value] = extra
            else:
                sets[tid][kind].add(int(value) if SETS[kind][1] == "organization_id" else value)
        return sets, invited

    def _sets(self, ids: list[int]) -> dict[int, tuple[set, ...]]:
        return self._related(ids)[0]

    def _invitations(self, ids: list[int]) -> dict[int, dict[str, str]]:
        return self._related(ids)[1]

    def _sync_sets(self, ticket: Ticket, before: tuple[set, ...], invited: dict[str, str]) -> None:
        for (table, column, attr), old in zip(SETS, before):
            new = getattr(ticket, attr)
            if new - old:  # one statement per set, whatever its size
                self.session.execute(insert(table).inline(),
                                     [{"ticket_id": ticket.id, column: v} for v in sorted(new - old)])
            if old - new:
                self.session.execute(delete(table).where(table.c.ticket_id == ticket.id,
                                                         table.c[column].in_(old - new)))
        if added := sorted(set(ticket.invited) - set(invited)):
            self.session.execute(insert(ticket_invitations), [
                dict(ticket_id=ticket.id, email=email, invited_by=ticket.invited[email], created_at=ticket.updated_at)
                for email in added])
        if set(invited) - set(ticket.invited):
            self.session.execute(delete(ticket_invitations).where(
                ticket_invitations.c.ticket_id == ticket.id,
                ticket_invitations.c.email.in_(sorted(set(invited) - set(ticket.invited)))))

    def _flush_new(self, ticket: Ticket) -> None:
        for comment in ticket.new_comments:
            comment.id = self.session.execute(insert(comments).values(
                ticket_id=ticket.id, author_id=comment.author_id, body=comment.body, public=comment.public,
                created_at=comment.created_at).returning(comments.c.id)).scalar_one()
        if ticket.new_history:
            self.session.execute(_INSERT_HISTORY, [
                dict(ticket_id=ticket.id, at=h.at, actor_id=h.actor_id, kind=h.kind, field=h.field,
                     from_value=h.from_value, to_value=h.to_value) for h in ticket.new_history])
        ticket.new_comments.clear()
        ticket.new_history.clear()

    def _load(self, row, sets: dict | None = None, invited: dict | None = None) -> Ticket:
        if sets is None or invited is None:
            sets, invited = self._related([row.id])
        participants, shares, mutes, watchers = sets[row.id]
        return Ticket(id=row.id, number=row.number, key=row.key, desk_id=row.desk_id,
                      request_type_id=row.request_type_id, reporter_id=row.reporter_id,
                      assignee_id=row.assignee_id, summary=row.summary, description=row.description,
                      field_values=dict(row.field_values or {}), status=Status(row.status),
                      created_at=row.created_at, updated_at=row.updated_at,
                      status_changed_at=row.status_changed_at, last_activity_at=row.last_activity_at,
                      participant_ids=set(participants), organization_ids=set(shares), muted_ids=set(mutes),
                      watcher_ids=set(watchers), invited=invited[row.id])

    @staticmethod
    def _comment(row) -> Comment:
        return Comment(id=row.id, author_id=row.author_id, body=row.body, public=row.public,
                       created_at=row.created_at)
