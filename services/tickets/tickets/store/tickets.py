"""Loads and saves Ticket aggregates; never commits (the unit of work does)."""
from __future__ import annotations

import functools
import json
import weakref
from dataclasses import dataclass, field, replace
from operator import attrgetter
from types import SimpleNamespace

from sqlalchemy import (
    ARRAY, JSON, BigInteger, Boolean, Integer, String, Text, any_, bindparam, cast, delete, func, insert, literal,
    literal_column, null, select, true, union_all, update,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session
from sqlalchemy.sql.visitors import cloned_traverse

from common.db import Prepared

from ..domain.catalog import Account, Desk, RequestType
from ..domain.ids import as_id
from ..domain.model import Comment, HistoryEntry, Ticket
from ..domain.status import Status
from ..domain.visibility import Viewer
from . import queries
from .tables import (
    accounts, comments, organizations, request_type_fields, request_types, service_desks, ticket_emails,
    ticket_history, ticket_invitations, ticket_mutes,
    ticket_participants, ticket_shares, ticket_watchers, tickets,
)

# Every column but the full-text document, which only the search reads (inside PostgreSQL).
COLUMNS = tuple(c for c in tickets.c if c.name != "search_vector")

PERSON = ("id", "email", "display_name", "language", "role", "active")
# A ticket's row with its reporter and assignee: the columns built once, not on every read. Its desk
# comes once per page with the related rows (``_related_parts``): its columns on each of a queue's 100 rows
# (all of one desk) cost the driver more than the reporter's and assignee's (bench/profiles/tr4.md).
REPORTER, ASSIGNEE = accounts.alias("reporter"), accounts.alias("assignee")
# The field values as their JSON text: almost every ticket has none ("{}"), and the driver's JSON loader
# cost more per row than the rest of the row (``_values``).
WITH_CONTEXT = (*(cast(c, Text).label(c.name) if c.name == "field_values" else c for c in COLUMNS),
                *(REPORTER.c[n].label(f"reporter__{n}") for n in PERSON),
                *(ASSIGNEE.c[n].label(f"assignee__{n}") for n in PERSON))
# Where the reporter's and the assignee's columns start in a row of WITH_CONTEXT.
AT_REPORTER = len(COLUMNS)
AT_ASSIGNEE = AT_REPORTER + len(PERSON)
# What a Desk holds (``desks._desk``), in the order of a desk's related row.
DESK_FIELDS = ("id", "key", "name", "description", "active", "invite_unknown_participants", "restricted",
               "email_address", "email_request_type_id", "email_signup", "email_require_dmarc", "customer_sharing")
_DESK_FLAGS = frozenset(n for n in DESK_FIELDS if isinstance(service_desks.c[n].type, Boolean))


@dataclass
class Known:
    """What a page's statements read besides its tickets: desks, people and organisation names
    (every one that exists: absent ones are unknown to the replica), and the filter's total if asked."""
    desks: dict[int, Desk] = field(default_factory=dict)
    accounts: dict[str, Account] = field(default_factory=dict)
    organizations: dict[int, str] = field(default_factory=dict)
    total: int | None = None
    # The request types of the tickets (PostgreSQL: from this worker's cache when still as read, see
    # ``_request_type_marks``); None when they are to be read.
    request_types: dict[int, RequestType] | None = None
    type_marks: dict[int, str] = field(default_factory=dict)


@dataclass
class Expansions:
    """A page's ``expand=`` data by ticket id, and the authors of its comments and attachments."""
    statuses: dict[int, list]
    comments: dict[int, list[Comment]]
    attachments: dict[int, list]
    authors: dict[str, Account] = field(default_factory=dict)


_STATUSES = {s.value: s for s in Status}


SETS = ((ticket_participants, "account_id", "participant_ids"), (ticket_shares, "organization_id", "organization_ids"),
        (ticket_mutes, "account_id", "muted_ids"), (ticket_watchers, "account_id", "watcher_ids"))

# Built once: a new ticket's statements run on every intake, and building them cost more than running them.
_INSERT_TICKET = insert(tickets).returning(tickets.c.id)
# No id read back. Run on the driver (common.db.Prepared).
_INSERT_HISTORY = Prepared(insert(ticket_history).inline(), returns_rows=False, column_keys=(
    "ticket_id", "at", "actor_id", "kind", "field", "from_value", "to_value"))
_INSERT_SET = {table: Prepared(insert(table).inline(), returns_rows=False, column_keys=("ticket_id", column))
               for table, column, _ in SETS}


_HISTORY_FIELDS = ("at", "actor_id", "kind", "field", "from_value", "to_value")


@functools.cache
def _numbered_insert(with_rows: tuple[bool, ...]) -> Prepared:
    """PostgreSQL: take the desk's next number and insert the ticket with it and its key, its history and its
    participants, shares, mutes and watchers, in one statement (data-modifying CTEs): each statement more cost
    the driver and PostgreSQL more than its rows (bench/profiles/tc.md). The rows of a CTE refer to the ticket
    by the id it returns; their triggers and foreign-key checks run at the end of the statement, when the
    ticket row is there. ``with_rows``: whether there is history, then each of ``SETS``, to insert; a CTE
    for rows there are none of still cost PostgreSQL its executor set-up, so it is left out (a statement
    per shape, built once)."""
    columns = ("request_type_id", "reporter_id", "assignee_id", "summary", "description", "field_values", "status",
               "updated_at", "status_changed_at", "last_activity_at", "created_at")
    desk = bindparam("p_desk_id", type_=Integer)
    numbered = (update(service_desks).where(service_desks.c.id == desk)
                .values(last_ticket_number=service_desks.c.last_ticket_number + 1)
                .returning(service_desks.c.last_ticket_number.label("number")).cte("numbered"))
    # Its other rows are one JSON parameter ({"history": [...], "<set>": [...]}): one string to send, where
    # an array per column cost the driver more than the statement's other parameters together.
    rows = cast(bindparam("p_rows", type_=String), JSON)
    row = select(desk, *(bindparam(f"p_{c}", type_=tickets.c[c].type) for c in columns), numbered.c.number,
                 bindparam("p_prefix", type_=String) + cast(numbered.c.number, String))
    names = ["desk_id", *columns, "number", "key"]
    if with_rows[1] or with_rows[2]:
        # The participants' and shares' keys of the document go with the row ("keys"), so their triggers
        # do not write the row a second time (migration 0013, which checks each key against its row).
        keys = func.json_array_elements_text(rows.op("->")(literal_column("'keys'")))
        row = row.add_columns(func.array_to_tsvector(func.array(select(keys).scalar_subquery())))
        names.append("search_vector")
    new = (insert(tickets).from_select(names, row).returning(tickets.c.id, tickets.c.number).cte("new_ticket"))

    def _as_text(column):
        # Strings as text: a value too long for its column fails the INSERT as it did, never truncated.
        return Text() if isinstance(column.type, String) else column.type

    def elements(name: str, alias: str):
        return (func.json_array_elements(rows.op("->")(literal_column(f"'{name}'")))
                .table_valued("value", with_ordinality="position").render_derived(alias))

    entry = elements("history", "entry")
    history = insert(ticket_history).from_select(
        ["ticket_id", *_HISTORY_FIELDS],
        select(new.c.id, *(cast(entry.c.value.op("->>")(literal_column(f"'{n}'")), _as_text(ticket_history.c[n]))
                           for n in _HISTORY_FIELDS))
        # In the order they were recorded: their ids order the entries of one instant.
        .select_from(new).join(entry, true()).order_by(entry.c.position))
    ctes = [history.cte("add_history")] if with_rows[0] else []
    for (table, column, attr), wanted in zip(SETS, with_rows[1:]):
        if not wanted:
            continue
        member = elements(attr, f"new_{table.name}")
        ctes.append(insert(table).from_select(
            ["ticket_id", column], select(new.c.id, cast(member.c.value.op("#>>")(literal_column("'{}'")),
                                                         _as_text(table.c[column])))
            .select_from(new).join(member, true())).cte(f"add_{table.name}"))
    return Prepared(select(new.c.id, new.c.number).add_cte(*ctes), returns_rows=True)




def _ids_array(name: str):
    """A parameter of integers for ``= ANY(...)`` on PostgreSQL, sent as the array's text (``_ids_value``):
    the driver dumps a list element by element in Python (100 ids: 0.042 ms; an execute with them as
    text cost 0.021 ms less, bench/profiles/tr4.md), and a page sends its ids two or three times."""
    return cast(bindparam(name, type_=Text), ARRAY(Integer))


def _ids_value(ids, dialect: str):
    """The value of an ``_ids_array`` parameter (PostgreSQL) or of an expanding IN (elsewhere)."""
    return "{" + ",".join(map(str, ids)) + "}" if dialect == "postgresql" else list(ids)


@functools.cache
def _related_statement(with_known: bool, dialect: str):
    """``TicketRepository._related``'s UNION, built once per variant: building it cost more CPU than
    PostgreSQL spends running it. The ids are one parameter for every branch: an array on PostgreSQL
    (the SQL text stays the same whatever the page's size, so the driver's statement cache and
    prepared statement hold), an expanding IN elsewhere."""
    if dialect == "postgresql":
        ids_param = _ids_array("related_ids")

        def among(column):
            return column == any_(ids_param)
        desk_ids = _ids_array("desk_ids")

        def desks_among(column):
            return column == any_(desk_ids)
    else:
        ids_param = bindparam("related_ids", expanding=True)

        def among(column):
            return column.in_(ids_param)
        desk_ids = bindparam("desk_ids", expanding=True)

        def desks_among(column):
            return column.in_(desk_ids)
    types = _ids_array("type_ids")
    return union_all(*_related_parts(with_known, among, (lambda column: column == any_(types))
                                     if with_known and dialect == "postgresql" else None,
                                     desks_among=desks_among if with_known else None, dialect=dialect,
                                     people_by_key=dialect == "postgresql"))


RELATED_NAMES = ("ticket_id", "kind", "value", "extra", *PERSON[1:])


def _related_parts(with_known: bool, among, types_among=None, prefix=(), desks_among=None,
                   dialect: str = "postgresql", people_by_key: bool = False) -> list:
    """The branches of the related rows' UNION: ``among(column)`` picks the tickets, ``types_among``
    (PostgreSQL) the request types whose marks come too, ``desks_among`` the desks that come too (their
    ``DESK_FIELDS`` as a JSON array); each branch starts with the ``prefix`` columns. ``people_by_key``
    (PostgreSQL): each participant's account is looked up by its key (a LATERAL subquery) rather than
    joined: the plan kept for the joined statement hashed every account for a page's few participants
    (1,006 accounts: 0.27 of its 0.42 ms, against 0.13 ms for the whole statement with the look-ups)."""
    person = accounts.alias("person")
    nothing = [null().label("extra"), cast(null(), String).label("email"), cast(null(), String).label("display_name"),
               cast(null(), String).label("language"), cast(null(), String).label("role"),
               cast(null(), Boolean).label("active")]
    parts = []
    for index, (table, column, _) in enumerate(SETS):
        part = select(*prefix, table.c.ticket_id, literal(index).label("kind"),
                      cast(table.c[column], String).label("value"))
        if with_known and column == "account_id" and index == 0 and people_by_key:
            # LIMIT 1 (an id is one account) keeps the planner from turning the look-up back into a join.
            found = (select(*[person.c[n] for n in PERSON[1:]]).where(person.c.id == table.c.account_id)
                     .limit(1).lateral("person"))
            part = part.add_columns(null().label("extra"), *[found.c[n] for n in PERSON[1:]]).outerjoin(
                found, true())
        elif with_known and column == "account_id" and index == 0:
            part = part.add_columns(null().label("extra"), *[person.c[n] for n in PERSON[1:]]).outerjoin(
                person, person.c.id == table.c.account_id)
        elif with_known and column == "organization_id":
            part = part.add_columns(organizations.c.name.label("extra"), *nothing[1:]).outerjoin(
                organizations, organizations.c.id == table.c.organization_id)
        else:
            part = part.add_columns(*nothing)
        parts.append(part.where(among(table.c.ticket_id)))
    inv = ticket_invitations
    parts.append(select(*prefix, inv.c.ticket_id, literal(len(SETS)).label("kind"), inv.c.email.label("value"),
                        inv.c.invited_by.label("extra"), *nothing[1:]).where(among(inv.c.ticket_id)))
    if types_among is not None:
        parts.append(_request_type_marks(nothing, types_among, prefix))
    if desks_among is not None:
        desk = service_desks.c
        fields = (func.json_build_array if dialect == "postgresql" else func.json_array)(*(desk[n] for n in DESK_FIELDS))
        parts.append(select(*prefix, desk.id.label("ticket_id"), literal(DESK_ROW).label("kind"),
                            cast(fields, Text).label("value"), *nothing).where(desks_among(desk.id)))
    return parts


def _with_related(page, order, dialect: str):
    """A page's statement (``page``, a select of ``WITH_CONTEXT``, in ``order``) and its related rows
    with the participants' accounts, the shares' organisation names and (PostgreSQL) its request types'
    marks, in one statement: the page as a CTE, then a UNION ALL of its rows (``kind`` NULL, their
    ``position`` in the page) and the related rows (the page's columns NULL). A second statement per
    page cost the worker more CPU than the rows it read."""
    cte = page.add_columns(func.row_number().over(order_by=order).label("position")).cte("shown")
    nulls = [literal_column("NULL").label(f"page_{n}") for n in range(len(cte.c))]
    rows = select(*cte.c, *(literal_column("NULL").label(name) for name in RELATED_NAMES))
    if dialect == "postgresql":
        # An array of the page's ids, computed once (an InitPlan), so each branch walks its index on
        # ticket_id; an IN over the CTE made PostgreSQL hash whole tables.
        ids, type_ids = (func.array(select(c).scalar_subquery()) for c in (cte.c.id, cte.c.request_type_id))

        def among(column):
            return column == any_(ids)

        def types_among(column):
            return column == any_(type_ids)

        def desks_among(column):
            return column == any_(func.array(select(cte.c.desk_id).distinct().scalar_subquery()))
    else:
        def among(column):
            return column.in_(select(cte.c.id))
        types_among = None

        def desks_among(column):
            return column.in_(select(cte.c.desk_id))
    # Participants' accounts by key: with the join, a page with any participant hashed every account
    # (a list with 26 participants at 1,006 accounts: 1.04 -> 0.74 ms, bench/profiles/lp.md).
    parts = _related_parts(True, among, types_among, nulls, desks_among, dialect,
                           people_by_key=dialect == "postgresql")
    return Prepared(union_all(rows, *parts), returns_rows=True)


_position = attrgetter("position")
TYPE_MARK = len(SETS) + 1  # the related rows' kind of a request type's mark (its id in ``ticket_id``)
DESK_ROW = len(SETS) + 2  # the related rows' kind of a desk (its id in ``ticket_id``)


def _request_type_marks(nothing, among, prefix=()):
    """The request types ``among`` picks, each with a mark that changes whenever the type or any of
    its fields is written: the row versions (``xmin``) of the type and of each field, with the fields'
    ids (a field removed or added changes it too). A transaction id is never reused for another write
    within 2^32 transactions, so a mark seen again means the rows read for it are still the rows."""
    rt, rtf = request_types.alias("rt"), request_type_fields.alias("rtf")
    versions = func.concat(literal_column("rt.xmin::text"), "/", cast(rtf.c.id, Text), ".",
                           literal_column("rtf.xmin::text"))
    mark = func.string_agg(versions, aggregate_order_by(literal_column("','"), rtf.c.id))
    return (select(*prefix, rt.c.id.label("ticket_id"), literal(TYPE_MARK).label("kind"), mark.label("value"),
                   *nothing).select_from(rt.outerjoin(rtf, rtf.c.request_type_id == rt.c.id))
            .where(among(rt.c.id)).group_by(rt.c.id))


# Request types as last read by this worker, per engine: {id: (mark, RequestType)}. They change
# rarely and a page of 50 read them on every list (a statement, and the driver's JSON for each field);
# the page's related rows carry each type's mark, and only a type whose mark moved is read again.
_TYPES: "weakref.WeakKeyDictionary[object, dict[int, tuple[str, RequestType]]]" = weakref.WeakKeyDictionary()
_TYPES_KEPT = 1024  # request types kept per engine (a deployment has tens)


def _desk_of(fields: str) -> Desk:
    """The Desk of a desk's related row (``DESK_FIELDS`` as a JSON array; SQLite writes its flags as 0 and 1)."""
    from .desks import _desk

    values = dict(zip(DESK_FIELDS, json.loads(fields)))
    for name in _DESK_FLAGS:
        if values[name] is not None:
            values[name] = bool(values[name])
    return _desk(SimpleNamespace(**values))


def _values(raw):
    """A row's field values: the JSON text of ``WITH_CONTEXT`` (or the driver's dict of ``COLUMNS``)."""
    if raw.__class__ is str:
        return json.loads(raw) if raw != "{}" else {}
    return raw


def _with_context(query, page=None):
    """``query`` over tickets joined to their reporter and assignee (and to ``page``'s ids)."""
    if page is not None:
        query = query.join(page, page.c[0] == tickets.c.id)
    return (query.outerjoin(REPORTER, REPORTER.c.id == tickets.c.reporter_id)
            .outerjoin(ASSIGNEE, ASSIGNEE.c.id == tickets.c.assignee_id))


@functools.cache
def _walk_page(keys: int, dialect: str) -> Prepared:
    """A plain list's page (``queries.plain_walk``) with its context and related rows, built once per
    number of keys."""
    return _with_related(_with_context(select(*WITH_CONTEXT), queries.key_walk(keys).subquery()),
                         queries.order("-updated"), dialect)


def _kept(statement, *args):
    """``statement(*args)`` from its cache, or built apart when an argument cannot be a key."""
    try:
        return statement(*args)
    except TypeError:
        return statement.__wrapped__(*args)


def _hashable(viewer: Viewer) -> Viewer:
    """The viewer as a cache key (its sets may have come as plain sets)."""
    if isinstance(viewer.organization_ids, frozenset) and isinstance(viewer.desk_ids, frozenset):
        return viewer
    return replace(viewer, organization_ids=frozenset(viewer.organization_ids), desk_ids=frozenset(viewer.desk_ids))


@functools.lru_cache(maxsize=256)
def _page_statement(viewer: Viewer, filter_: queries.RequestFilter, start: int, limit: int, count: bool):
    """A list's page with its context (and with ``count`` the filter's total), kept for the same caller,
    filter and page: an agent's queues and their pages are asked for again and again, and building the
    statement (and its cache key, which SQLAlchemy keeps on the statement) cost more CPU than PostgreSQL
    spends running it. Statements are immutable; the cache is bounded."""
    columns = list(WITH_CONTEXT)
    if count:
        columns.append(queries.count_query(viewer, {"total": filter_}).correlate(None).scalar_subquery()
                       .label("total"))
    # Its related rows stay a statement of their own: as one statement with them (``_with_related``),
    # PostgreSQL spent 0.5-1.3 ms more CPU on a search or a queue than on the two.
    statement = _with_context(select(*columns), queries.request_query(viewer, filter_, start, limit).subquery()
                              ).order_by(*queries.order(filter_.sort))
    return Prepared(_written_in(statement) if count else statement, returns_rows=True)


def _written_in(statement):
    """``statement`` with every parameter's value written into its SQL (``literal_execute``), for a
    statement built for one caller, filter and page (``_page_statement``). With parameters, PostgreSQL
    planned a queue's page again on every run (the open queue: a custom plan each time, never the generic
    one, as ``pg_prepared_statements`` showed); a prepared statement without any is planned once."""
    def written(bind):
        bind.literal_execute = True
    return cloned_traverse(statement, {}, {"bindparam": written})


@functools.lru_cache(maxsize=256)
def _count_statement(viewer: Viewer, filters: tuple[tuple[str, queries.RequestFilter], ...]):
    """``queries.count_query``, kept as ``_page_statement`` is."""
    return Prepared(queries.count_query(viewer, dict(filters)), returns_rows=True)


EXPANSION_KINDS = ("status", "comment", "attachment")


@functools.cache
def _expansions_statement(kinds: tuple[str, ...], with_internal: bool, dialect: str):
    """``TicketRepository.expansions``' UNION ALL of the ``kinds`` asked for, built once per variant (as
    ``_related_statement``): the page's ids (``expanded_ids``) and, ``with_internal``, the tickets whose
    internal notes and attachments the caller reads (``internal_ids``) are parameters, arrays on PostgreSQL."""
    from .tables import attachments

    if dialect == "postgresql":
        ids, internal = _ids_array("expanded_ids"), _ids_array("internal_ids")

        def among(column, values):
            return column == any_(values)
    else:
        ids, internal = bindparam("expanded_ids", expanding=True), bindparam("internal_ids", expanding=True)

        def among(column, values):
            return column.in_(values)
    h, author = ticket_history, accounts.alias("author")

    def none(kind, name):
        return cast(null(), kind).label(name)

    file_none = [none(Integer, "comment_id"), none(BigInteger, "size"), none(String, "mime_type"),
                 none(String, "blob_id"), none(String, "thumbnail_blob_id")]
    people = [author.c[n] for n in PERSON[1:]]
    people_none = [none(String, n) for n in PERSON[1:-1]] + [none(Boolean, "active")]

    def readable(table):
        visible = table.c.public.is_(True)
        return visible | among(table.c.ticket_id, internal) if with_internal else visible

    branches = {
        "status": select(h.c.ticket_id, literal("s").label("kind"), h.c.id, h.c.at, cast(h.c.to_value, Text).label("text"),
                         none(Boolean, "public"), none(String, "author_id"), *file_none, *people_none)
        .where(among(h.c.ticket_id, ids), h.c.kind == "status"),
        "comment": select(comments.c.ticket_id, literal("c").label("kind"), comments.c.id,
                          comments.c.created_at.label("at"), cast(comments.c.body, Text).label("text"),
                          comments.c.public, comments.c.author_id, *file_none, *people)
        .outerjoin(author, author.c.id == comments.c.author_id)
        .where(among(comments.c.ticket_id, ids), readable(comments)),
    }
    a = attachments
    branches["attachment"] = (select(a.c.ticket_id, literal("a").label("kind"), a.c.id, a.c.created_at.label("at"),
                                     cast(a.c.filename, Text).label("text"), a.c.public, a.c.author_id, a.c.comment_id,
                                     a.c.size, a.c.mime_type, a.c.blob_id, a.c.thumbnail_blob_id, *people)
                              .outerjoin(author, author.c.id == a.c.author_id)
                              .where(among(a.c.ticket_id, ids), readable(a)))
    parts = [branches[kind] for kind in kinds]
    return parts[0] if len(parts) == 1 else union_all(*parts)


@functools.cache
def _prepared(build, *args) -> Prepared:
    """``build(*args)``, a statement built once, run on the driver (``common.db.Prepared``): a page runs
    three or four of them, and SQLAlchemy's execution context for each cost more CPU than PostgreSQL's
    work on it. Their rows are the driver's (no result processing: these columns need none on psycopg)."""
    return Prepared(build(*args), returns_rows=True)


@functools.cache
def _one_with_context(by_id: bool):
    """One ticket by id (``by_id``) or key with its context, built once; its parameter is ``ref``."""
    column = tickets.c.id if by_id else tickets.c.key
    return _with_context(select(*WITH_CONTEXT)).where(column == bindparam("ref", type_=column.type))


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
        if not numbered:
            ticket.id = self.session.execute(_INSERT_TICKET, dict(
                desk_id=ticket.desk_id, number=ticket.number, key=ticket.key, **values)).scalar_one()
            self._sync_sets(ticket, (set(), set(), set(), set()), {})
            self._flush_new(ticket)
            return False
        params = {"p_desk_id": ticket.desk_id, "p_prefix": f"{numbering}-", **{f"p_{k}": v for k, v in values.items()}}
        history = ticket.new_history
        params["p_rows"] = json.dumps({"history": [
            {"at": h.at.isoformat(), "actor_id": h.actor_id, "kind": h.kind, "field": h.field,
             "from_value": h.from_value, "to_value": h.to_value} for h in history],
            **{attr: sorted(getattr(ticket, attr)) for _, _, attr in SETS},
            "keys": [*(f"p:{a}" for a in sorted(ticket.participant_ids)),
                     *(f"o:{o}" for o in sorted(ticket.organization_ids))]})
        shape = (bool(history), *(bool(getattr(ticket, attr)) for _, _, attr in SETS))
        (row,) = _numbered_insert(shape).run(self.session, params)
        ticket.id, ticket.number = row.id, row.number
        ticket.key = f"{numbering}-{row.number}"
        history.clear()
        # What the statement does not carry (comments, invitations), rare on a new ticket, comes after it.
        self._sync_sets(ticket, tuple(set(getattr(ticket, attr)) for _, _, attr in SETS), {})
        self._flush_new(ticket)
        return True

    def get(self, key_or_id: str, for_update: bool = False) -> Ticket | None:
        """A ticket by key (``AM-1``, any case) or numeric id, with its participants, shares and mutes."""
        ref = str(key_or_id).strip()
        ident = as_id(ref)
        cond = tickets.c.id == ident if ident is not None else tickets.c.key == ref.upper()
        query = select(*COLUMNS).where(cond)
        if for_update:
            # Serialise concurrent writers of one ticket so a status move is never lost.
            query = query.with_for_update()
        row = self.session.execute(query).first()
        return self._load(row) if row else None

    def many(self, ids: list[int]) -> list[Ticket]:
        """Tickets by id, in the order of ``ids``."""
        if not ids:
            return []
        rows = {r.id: r for r in self.session.execute(select(*COLUMNS).where(tickets.c.id.in_(ids))).all()}
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
        found, last, _known = self.page(viewer, filter_, start, limit)
        return found, last

    def page(self, viewer: Viewer, filter_: queries.RequestFilter, start: int, limit: int,
             count: bool = False) -> tuple[list[Ticket], bool, Known]:
        """One page of visible tickets, whether it is the last, and what showing it needs: the rows with
        their desks, reporters, assignees (and with ``count`` the filter's total), their participants with
        their accounts and shares with their organisations' names; one statement for a plain list
        (``_with_related``), two otherwise."""
        keys = None if count else queries.plain_walk(viewer, filter_)
        dialect = self.session.get_bind().dialect.name
        if keys is not None:
            rows = _walk_page(len(keys), dialect).run(self.session, queries.key_walk_params(keys, start, limit + 1))
            rows, known, sets, invited = self._split(rows)
        else:
            rows = _kept(_page_statement, _hashable(viewer), filter_, start, limit + 1, count).run(self.session, {})
            known = self._known(rows[:limit])
            shown = rows[:limit]
            sets, invited = self._related([r.id for r in shown], known, {r.request_type_id for r in shown},
                                          {r.desk_id for r in shown})
            self._request_types(known)
        if count:
            # No row on the first page: nothing matches, no need to count (a later page counts apart).
            known.total = rows[0].total if rows else (0 if start == 0 else None)
        return [self._load(r, sets, invited, fresh=True) for r in rows[:limit]], len(rows) <= limit, known

    def get_with_context(self, key_or_id: str) -> tuple[Ticket | None, Known]:
        """``get`` with the desk and the people and organisations it names, in two statements."""
        ref = str(key_or_id).strip()
        ident = as_id(ref)
        rows = _prepared(_one_with_context, ident is not None).run(
            self.session, {"ref": ident if ident is not None else ref.upper()})
        row = rows[0] if rows else None
        if row is None:
            return None, Known()
        known = self._known([row])
        sets, invited = self._related([row.id], known, {row.request_type_id}, {row.desk_id})
        self._request_types(known)
        return self._load(row, sets, invited, fresh=True), known

    def _split(self, rows) -> tuple[list, Known, dict, dict]:
        """The rows of a ``_with_related`` statement: the page's in its order, with what they name."""
        page = sorted((r for r in rows if r.kind is None), key=_position)
        known = self._known(page)
        sets, invited = self._collect(rows, [r.id for r in page], known)
        self._request_types(known)
        return page, known, sets, invited

    def _request_types(self, known: Known) -> None:
        """``known.request_types`` from the marks its related rows read: the kept ones whose mark is
        unchanged, the others read (one statement) and kept. Without marks (SQLite) they stay None."""
        if not known.type_marks:
            return
        kept = _TYPES.setdefault(self.session.get_bind(), {})
        found, stale = {}, []
        for rt_id, mark in known.type_marks.items():
            entry = kept.get(rt_id)
            if entry is not None and entry[0] == mark:
                found[rt_id] = entry[1]
            else:
                stale.append(rt_id)
        if stale:
            from .desks import DeskRepository

            read = DeskRepository(self.session).request_types_by_ids(stale)
            if len(kept) + len(read) > _TYPES_KEPT:
                kept.clear()
            for rt_id, rt in read.items():
                # Read after its mark: if it changed in between, the next mark differs and it is read again.
                kept[rt_id] = (known.type_marks[rt_id], rt)
            found.update(read)
        known.request_types = found

    @staticmethod
    def _known(rows) -> Known:
        known = Known()
        accounts = known.accounts
        # PERSON is Account's field order; an account the replica lacks comes as NULLs (outer join).
        for r in rows:
            reporter, assignee = r.reporter_id, r.assignee_id
            if reporter not in accounts and r[AT_REPORTER] is not None:
                accounts[reporter] = Account(*r[AT_REPORTER:AT_ASSIGNEE])
            if assignee is not None and assignee not in accounts and r[AT_ASSIGNEE] is not None:
                accounts[assignee] = Account(*r[AT_ASSIGNEE:AT_ASSIGNEE + len(PERSON)])
        return known

    def count(self, viewer: Viewer, filters: dict[str, queries.RequestFilter]) -> dict[str, int]:
        """How many visible tickets match each named filter, in one statement."""
        (row,) = _kept(_count_statement, _hashable(viewer), tuple(filters.items())).run(self.session, {})
        return dict(row._asdict()) if hasattr(row, "_asdict") else dict(row._mapping)

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

    def expansions(self, ticket_ids: list[int], wanted: set[str], internal_for: set[int], limit: int) -> Expansions:
        """What ``expand=`` asks for a page, in one statement (a UNION ALL of one branch per kind): the
        latest ``limit`` statuses of each ticket ("status"), its first ``limit`` comments ("comment"), its
        attachments ("attachment"), with the authors of both. Internal notes and internal attachments
        only for the tickets in ``internal_for``."""
        from .attachments import _attachment

        out = Expansions({i: [] for i in ticket_ids}, {i: [] for i in ticket_ids}, {i: [] for i in ticket_ids})
        kinds = tuple(kind for kind in EXPANSION_KINDS if kind in wanted)
        if not ticket_ids or not kinds:
            return out
        dialect = self.session.get_bind().dialect.name
        rows = _prepared(_expansions_statement, kinds, bool(internal_for), dialect).run(self.session, {
            "expanded_ids": _ids_value(ticket_ids, dialect), "internal_ids": _ids_value(sorted(internal_for), dialect)})
        comments_of, authors = out.comments, out.authors
        for r in sorted(rows, key=lambda r: (r.at, r.id)):
            if r.kind == "c" and len(comments_of[r.ticket_id]) < limit:
                comments_of[r.ticket_id].append(Comment(id=r.id, author_id=r.author_id, body=r.text, public=r.public,
                                                        created_at=r.at))
            elif r.kind == "a":
                out.attachments[r.ticket_id].append(_attachment(SimpleNamespace(
                    id=r.id, ticket_id=r.ticket_id, comment_id=r.comment_id, author_id=r.author_id, filename=r.text,
                    size=r.size, mime_type=r.mime_type, blob_id=r.blob_id, thumbnail_blob_id=r.thumbnail_blob_id,
                    public=r.public, created_at=r.at)))
            if r.kind != "s" and r.email is not None and r.author_id not in authors:
                authors[r.author_id] = Account(r.author_id, r.email, r.display_name, r.language, r.role, r.active)
        for r in sorted((r for r in rows if r.kind == "s"), key=lambda r: (r.at, r.id), reverse=True):
            if len(out.statuses[r.ticket_id]) < limit:
                out.statuses[r.ticket_id].append((r.text, r.at))
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

    def _related(self, ids: list[int], known: Known | None = None, type_ids=(), desk_ids=()
                 ) -> tuple[dict[int, tuple[set, ...]], dict[int, dict[str, str]]]:
        """Participants, shares, mutes, watchers and pending invitations of the tickets, in one statement;
        with ``known``, the participants' accounts, the shares' organisation names and the desks
        ``desk_ids`` go into it, and on PostgreSQL the marks of the request types ``type_ids``
        (``_request_type_marks``)."""
        if not ids:
            return {}, {}
        dialect = self.session.get_bind().dialect.name
        params = {"related_ids": _ids_value(ids, dialect)}
        if known is not None:
            params["desk_ids"] = _ids_value(sorted(desk_ids), dialect)
            if dialect == "postgresql":
                params["type_ids"] = _ids_value(sorted(type_ids), dialect)
        rows = _prepared(_related_statement, known is not None, dialect).run(self.session, params)
        return self._collect(rows, ids, known)

    @staticmethod
    def _collect(rows, ids: list[int], known: Known | None
                 ) -> tuple[dict[int, tuple[set, ...]], dict[int, dict[str, str]]]:
        """The sets and invitations of the tickets ``ids`` from their related rows (and into ``known``
        the people, organisation names and request type marks they carry); other rows are skipped."""
        sets = {i: (set(), set(), set(), set()) for i in ids}
        invited: dict[int, dict[str, str]] = {i: {} for i in ids}
        for r in rows:
            tid, kind, value, extra = r.ticket_id, r.kind, r.value, r.extra
            if kind is None:
                continue
            if kind == len(SETS):
                invited[tid][value] = extra
                continue
            if kind == TYPE_MARK:
                known.type_marks[tid] = value
                continue
            if kind == DESK_ROW:
                known.desks[tid] = _desk_of(value)
                continue
            sets[tid][kind].add(int(value) if SETS[kind][1] == "organization_id" else value)
            if known is not None and kind == 0 and r.email is not None:
                if value not in known.accounts:
                    known.accounts[value] = Account(value, r.email, r.display_name, r.language, r.role, r.active)
            elif known is not None and kind == 1 and extra is not None:
                known.organizations[int(value)] = extra
        return sets, invited

    def _sets(self, ids: list[int]) -> dict[int, tuple[set, ...]]:
        return self._related(ids)[0]

    def _invitations(self, ids: list[int]) -> dict[int, dict[str, str]]:
        return self._related(ids)[1]

    def _sync_sets(self, ticket: Ticket, before: tuple[set, ...], invited: dict[str, str]) -> None:
        for (table, column, attr), old in zip(SETS, before):
            new = getattr(ticket, attr)
            if new - old:  # one statement per set, whatever its size
                _INSERT_SET[table].run(self.session, [{"ticket_id": ticket.id, column: v} for v in sorted(new - old)])
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
            _INSERT_HISTORY.run(self.session, [
                dict(ticket_id=ticket.id, at=h.at, actor_id=h.actor_id, kind=h.kind, field=h.field,
                     from_value=h.from_value, to_value=h.to_value) for h in ticket.new_history])
        ticket.new_comments.clear()
        ticket.new_history.clear()

    def _load(self, row, sets: dict | None = None, invited: dict | None = None, fresh: bool = False) -> Ticket:
        """The ticket of ``row``; ``fresh``: ``sets`` and the row's values are this ticket's own (a page's,
        read for it alone), so they are not copied (a page of 50 copied 250 sets and dicts for nothing)."""
        if sets is None or invited is None:
            sets, invited = self._related([row.id])
        participants, shares, mutes, watchers = sets[row.id]
        if not fresh:
            participants, shares, mutes, watchers = set(participants), set(shares), set(mutes), set(watchers)
        values = _values(row.field_values)
        values = (values if fresh else dict(values)) if values else {}
        return Ticket(id=row.id, number=row.number, key=row.key, desk_id=row.desk_id,
                      request_type_id=row.request_type_id, reporter_id=row.reporter_id,
                      assignee_id=row.assignee_id, summary=row.summary, description=row.description,
                      field_values=values, status=_STATUSES.get(row.status) or Status(row.status),
                      created_at=row.created_at, updated_at=row.updated_at,
                      status_changed_at=row.status_changed_at, last_activity_at=row.last_activity_at,
                      participant_ids=participants, organization_ids=shares, muted_ids=mutes,
                      watcher_ids=watchers, invited=invited[row.id])

    @staticmethod
    def _comment(row) -> Comment:
        return Comment(id=row.id, author_id=row.author_id, body=row.body, public=row.public,
                       created_at=row.created_at)
