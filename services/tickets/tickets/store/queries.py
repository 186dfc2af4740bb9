"""SQL for ticket lists: the visibility rule as access keys, ownership, status and text filters.

``visible_to`` must agree with ``tickets.domain.visibility.can_view`` on every row of its truth
table; the integration tests check both against the same table, on PostgreSQL and SQLite.

Every way of seeing a ticket is an access key (``access_keys``) with a row in ``ticket_access``
(kept by triggers, migration 0008) carrying the ticket's latest activity, so a list walks the
(key, last_activity_at, ticket_id) index of each of the caller's keys, newest first, and stops after
one page instead of walking every ticket by activity.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field, replace

from sqlalchemy import (
    Integer, String, and_, bindparam, cast, exists, false, func, literal_column, null, or_, select, true, union,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import ColumnElement, Select
from sqlalchemy.sql.visitors import InternalTraversal, replacement_traverse
from sqlalchemy.types import Boolean

from common.auth import AGENT

from ..domain.status import DONE, OPEN, Status
from ..domain.visibility import Viewer
from .tables import ticket_access, ticket_counts, tickets

# APPROVER: requests awaiting the caller's approval; there are no approvals here, so it matches none.
OWNERSHIPS = ("OWNED_REQUESTS", "PARTICIPATED_REQUESTS", "APPROVER", "ORGANIZATION", "ALL_ORGANIZATIONS",
              "ALL_REQUESTS")
DEFAULT_OWNERSHIP = ("OWNED_REQUESTS", "PARTICIPATED_REQUESTS", "ALL_ORGANIZATIONS")
STATUSES = ("OPEN_REQUESTS", "CLOSED_REQUESTS", "ALL_REQUESTS")
QUEUES = ("unassigned", "mine", "waiting", "open", "all")


# The access keys; the triggers of migration 0008 write the same forms.
def reporter_key(account_id: str) -> str:
    return f"r:{account_id}"


def participant_key(account_id: str) -> str:
    return f"p:{account_id}"


def organization_key(org_id: int) -> str:
    return f"o:{org_id}"


def desk_key(desk_id: int) -> str:
    return f"d:{desk_id}"


def access_keys(viewer: Viewer) -> list[str] | None:
    """Every key through which ``viewer`` sees tickets (``can_view`` as keys); None: every ticket (admins)."""
    if viewer.is_admin:
        return None
    keys = [reporter_key(viewer.account_id), participant_key(viewer.account_id)]
    keys += [organization_key(o) for o in sorted(viewer.organization_ids)]
    if viewer.role == AGENT:
        keys += [desk_key(d) for d in sorted(viewer.desk_ids)]
    return keys


def _has_key(keys: list[str]) -> ColumnElement:
    if not keys:
        return false()
    # An alias: the list's index walk reads ticket_access too, and this must correlate with tickets only.
    seen = ticket_access.alias("seen")
    return exists().where(seen.c.ticket_id == tickets.c.id, seen.c.key.in_(keys)).correlate(tickets)


def visible_to(viewer: Viewer) -> ColumnElement:
    """The visibility rule as SQL over ``tickets``."""
    keys = access_keys(viewer)
    return true() if keys is None else _has_key(keys)


@dataclass(frozen=True)
class RequestFilter:
    ownership: tuple[str, ...] = DEFAULT_OWNERSHIP
    organization_id: int | None = None
    status: str = "ALL_REQUESTS"
    search: str | None = None
    desk_id: int | None = None
    request_type_id: int | None = None
    statuses: tuple[Status, ...] = field(default_factory=tuple)
    assignee: str | None = None  # an account id, or "" for unassigned
    # Console filters: requests shared with this organisation, raised by this account; the order.
    shared_with: int | None = None
    reporter: str | None = None
    sort: str = "-updated"


def _ownership_keys(viewer: Viewer, f: RequestFilter) -> list[str] | None:
    """The keys of the tickets ``f.ownership`` names; None: every visible ticket (``ALL_REQUESTS``)."""
    keys: list[str] = []
    for kind in f.ownership:
        if kind == "OWNED_REQUESTS":
            keys.append(reporter_key(viewer.account_id))
        elif kind == "PARTICIPATED_REQUESTS":
            keys.append(participant_key(viewer.account_id))
        elif kind == "ALL_ORGANIZATIONS":
            keys += [organization_key(o) for o in sorted(viewer.organization_ids)]
        elif kind == "ORGANIZATION" and f.organization_id is not None:
            if viewer.is_agent or f.organization_id in viewer.organization_ids:
                keys.append(organization_key(f.organization_id))
        elif kind == "ALL_REQUESTS":
            return None
        # APPROVER adds nothing: no request awaits an approval.
    return list(dict.fromkeys(keys))


def _ownership(viewer: Viewer, f: RequestFilter) -> ColumnElement:
    keys = _ownership_keys(viewer, f)
    return true() if keys is None else _has_key(keys)


# -- full text ----------------------------------------------------------------------------------
_WORD = re.compile(r"\w+", re.UNICODE)


def search_words(term: str) -> list[tuple[str, bool]]:
    """The words of a ``searchTerm`` as (word, is_prefix): ``print*`` is the prefix ``print``.

    Words are split as the full-text parsers split them (letters and digits), lower-cased; a word
    that ends with ``*`` makes its last part a prefix."""
    out: list[tuple[str, bool]] = []
    for raw in term.split():
        parts = _WORD.findall(raw.lower().replace("_", " "))
        for n, part in enumerate(parts):
            out.append((part, raw.endswith("*") and n == len(parts) - 1))
    return list(dict.fromkeys(out))


class TextMatch(ColumnElement):
    """Tickets whose full text (summary, description, public comments) holds every word: PostgreSQL's
    ``search_vector @@ tsquery`` (GIN index), SQLite's FTS5 table ``tickets_fts``.

    On PostgreSQL the document also holds the ticket's access keys as lexemes, so with ``keys`` one GIN
    lookup returns only the matches seen through them.

    ``mode`` says how PostgreSQL uses its index (SQLite always asks FTS5 for the words):

    - ``"all"``: every word and the keys in the index lookup;
    - ``"indexed"``: only the words that are not common (``ticket_search_index_query``, migration 0012)
      and the keys in the index lookup, every word checked on the rows it found; nothing when every word
      is common. ``seen`` is the condition of being seen through ``keys``: on SQLite (whose index knows
      no keys) it is checked beside the match, on PostgreSQL the keys' lexemes are that condition;
    - ``"common"``: every word checked on the row, no index, and only when every word is common (the
      list then walks its keys in activity order, where nearly every ticket matches); never on SQLite.

    The words travel as bound parameters (one per dialect, only the dialect's own is rendered), so a
    search's SQL is the same for every term and SQLAlchemy compiles it once, not on every search; with
    ``literal`` they are written into the SQL when it is run (``literal_execute``), for a statement
    built for one search (see ``_search_walk``)."""

    __visit_name__ = "text_match"
    inherit_cache = True
    _traverse_internals = [("tsquery", InternalTraversal.dp_clauseelement),
                           ("access", InternalTraversal.dp_clauseelement),
                           ("has_keys", InternalTraversal.dp_boolean),
                           ("fts", InternalTraversal.dp_clauseelement),
                           ("mode", InternalTraversal.dp_string),
                           ("seen", InternalTraversal.dp_clauseelement),
                           ("index_query", InternalTraversal.dp_clauseelement)]
    type = Boolean()

    def __init__(self, words: list[tuple[str, bool]], keys: list[str] | None = None, mode: str = "all",
                 seen: ColumnElement | None = None, index_query: ColumnElement | None = None, literal: bool = False):
        self.words, self.keys, self.has_keys, self.mode = words, keys, bool(keys), mode
        self.seen = seen if seen is not None else true()
        # "indexed" and "common": the words' index query, computed once per statement (``index_query``).
        self.index_query = index_query if index_query is not None else null()
        # The words go through PostgreSQL's own parser (to_tsquery), as the document's did: it splits
        # some runs of letters and digits that \w+ keeps whole ("68e52fcb" is the number "68e52" and
        # the word "fcb"), and a lexeme written out as one word would then never match.
        self.tsquery = bindparam("tsquery", " & ".join(_lexeme(w) + (":*" if prefix else "") for w, prefix in words),
                                 type_=String, unique=True, literal_execute=literal)
        # The access keys ('p:<account>') are lexemes of their own, not text to parse.
        self.access = bindparam("access", " | ".join(_lexeme(k) for k in keys or ()), type_=String, unique=True,
                                literal_execute=literal)
        self.fts = bindparam("fts", " AND ".join(f'"{w}"' + ("*" if prefix else "") for w, prefix in words),
                             type_=String, unique=True, literal_execute=literal)


def _lexeme(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


@compiles(TextMatch, "postgresql")
def _pg_match(element, compiler, **kw):
    vector = compiler.process(tickets.c.search_vector, **kw)
    words = compiler.process(element.tsquery, **kw)
    every_word = f"ts_match_vq({vector}, to_tsquery('simple', {words}))"
    index_query = compiler.process(element.index_query, **kw)
    if element.mode == "common":
        return f"({index_query} IS NULL AND {every_word})"
    query = f"to_tsquery('simple', {words})" if element.mode == "all" else index_query
    if element.has_keys:
        query = f"({query} && CAST({compiler.process(element.access, **kw)} AS tsquery))"
    match = f"{vector} @@ {query}"
    return match if element.mode == "all" else f"({match} AND {every_word})"


@compiles(TextMatch)
def _fts5_match(element, compiler, **kw):
    if element.mode == "common":
        return "0 = 1"
    match = (f"{compiler.process(tickets.c.id, **kw)} IN (SELECT rowid FROM tickets_fts WHERE tickets_fts MATCH "
             f"{compiler.process(element.fts, **kw)})")
    return match if element.mode == "all" else f"({match} AND {compiler.process(element.seen, **kw)})"


def search_condition(term: str, keys: list[str] | None = None) -> ColumnElement:
    """JSM's ``searchTerm``: every word of it in the summary, the description or a public comment (never an
    internal note), in any order and not necessarily adjacent (``printer fire`` finds "Printer on fire");
    ``print*`` finds words that start with "print"; case does not matter. A request key (``AM-12``) finds
    that request. The one place this rule is written. ``keys`` narrows the full-text lookup to tickets
    seen through them (an index shortcut; visibility is checked beside it all the same)."""
    words = search_words(term)
    if not words:
        return true()
    return or_(TextMatch(words, keys), tickets.c.key == term.strip().upper())


# The search rule's table, run on PostgreSQL and SQLite: (searchTerm, whether it finds the request
# SEARCH_DOCUMENT describes). The request's key is "AM-7".
SEARCH_DOCUMENT = {"summary": "Printer 68e52fcb on fire", "description": "The office printer caught fire; see export.csv",
                   "public comment": "Any news on the toner?", "internal note": "Confidential budget figures"}
SEARCH_TABLE: tuple[tuple[str, bool], ...] = (
    ("printer fire", True),          # every word, not adjacent
    ("FIRE Printer", True),          # any order, any case
    ("print*", True),                # a wildcard is a prefix
    ("off* caught", True),
    ("print", False),                # a word is a whole word, not a substring
    ("printer water", False),        # every word must be there
    ("toner", True),                 # public comments are searched
    ("fire toner", True),            # words may come from different parts
    ("confidential", False),         # internal notes never are
    ("budget*", False),
    ("csv", True),                   # punctuation separates words
    ("export.csv", True),
    ("68e52fcb", True),              # what PostgreSQL reads as a number and a word is still one word
    ("68e52*", True),
    ("am-7", True),                  # the request's key
    ("AM-8", False),
    ("*", True),                     # no word at all: no condition
)

# Sortable columns (``sort=created`` ascending, ``sort=-created`` descending); ties go to the newest id.
SORTS = {"key": tickets.c.number, "summary": tickets.c.summary, "status": tickets.c.status,
         "created": tickets.c.created_at, "updated": tickets.c.last_activity_at}


def _filters(f: RequestFilter, keys: list[str] | None = None) -> list[ColumnElement]:
    """What ``f`` asks beyond visibility and ownership (``keys``: see ``search_condition``)."""
    conds = []
    if f.status == "OPEN_REQUESTS":
        conds.append(tickets.c.status.in_([s.value for s in OPEN]))
    elif f.status == "CLOSED_REQUESTS":
        conds.append(tickets.c.status.in_([s.value for s in DONE]))
    if f.statuses:
        conds.append(tickets.c.status.in_([s.value for s in f.statuses]))
    if f.search:
        conds.append(search_condition(f.search, keys))
    if f.desk_id is not None:
        conds.append(tickets.c.desk_id == f.desk_id)
    if f.request_type_id is not None:
        conds.append(tickets.c.request_type_id == f.request_type_id)
    if f.assignee is not None:
        conds.append(tickets.c.assignee_id.is_(None) if f.assignee == "" else tickets.c.assignee_id == f.assignee)
    if f.shared_with is not None:
        conds.append(_has_key([organization_key(f.shared_with)]))
    if f.reporter is not None:
        conds.append(tickets.c.reporter_id == f.reporter)
    return conds


def conditions(viewer: Viewer, f: RequestFilter) -> ColumnElement:
    """The WHERE clause of the tickets ``viewer`` may see that match ``f``."""
    return and_(visible_to(viewer), _ownership(viewer, f), *_filters(f))


def _walk(viewer: Viewer, f: RequestFilter) -> tuple[list[str] | None, bool]:
    """The keys whose index a list walks (None: no walk, every ticket) and whether every ticket found
    under them is visible to ``viewer`` (otherwise the visibility rule is checked as well)."""
    owned, visible = _ownership_keys(viewer, f), access_keys(viewer)
    if owned is None:
        if f.desk_id is not None and viewer.is_agent_for(f.desk_id):
            return [desk_key(f.desk_id)], True
        return visible, True
    return owned, visible is None or set(owned) <= set(visible)


def order(sort: str):
    column = SORTS.get(sort.lstrip("-"), tickets.c.last_activity_at)
    descending = sort.startswith("-") or sort.lstrip("-") not in SORTS
    return (column.desc() if descending else column.asc()), tickets.c.id.desc()


def request_query(viewer: Viewer, f: RequestFilter, start: int, limit: int) -> Select:
    """Ids of the tickets ``viewer`` may see that match ``f`` (``limit`` from ``start``), latest activity
    first unless sorted otherwise.

    Latest activity first, it is a UNION of one index walk per access key, each stopping after
    ``start + limit`` matches; the page is the newest of those."""
    keys, implied = _walk(viewer, f)
    if f.search and search_words(f.search) and keys and f.sort == "-updated":
        return _search_walk(viewer, f, keys, implied, start, limit)
    if f.search and search_words(f.search):
        # The full-text index finds the matches (with the caller's keys on PostgreSQL); they are few
        # enough to sort, where walking each key's activity would read every ticket under it.
        where = [_has_key(keys)] if keys is not None else []
        where += [] if implied else [visible_to(viewer)]
        return (select(tickets.c.id).where(*where, *_filters(f, keys)).order_by(*order(f.sort))
                .offset(start).limit(limit))
    if f.sort.lstrip("-") != "updated" or not f.sort.startswith("-") or keys is None:
        return (select(tickets.c.id).where(conditions(viewer, f)).order_by(*order(f.sort))
                .offset(start).limit(limit))
    statuses = _queue_statuses(f)
    if keys == [desk_key(f.desk_id)] and implied and statuses is not None:
        return _queue_walk(f, statuses, start, limit)
    if not keys:
        return select(tickets.c.id).where(false())
    # Every ticket under a desk's key is on that desk (its triggers move the key with the ticket):
    # checking desk_id again joined each access row walked to its ticket for nothing (a desk's queue
    # "all": 101 probes of pk_tickets per page).
    by_desk_key = keys == [desk_key(f.desk_id)]
    where = [*_filters(replace(f, desk_id=None) if by_desk_key else f)] + ([] if implied else [visible_to(viewer)])
    return _key_union(keys, where, start + limit, start, limit)


def _search_walk(viewer: Viewer, f: RequestFilter, keys: list[str], implied: bool, start: int, limit: int) -> Select:
    """A search seen through ``keys``, latest activity first: the UNION of

    - the full-text index's matches among the keys' tickets, looked up with the words that are not
      common (a word in most tickets costs the lookup a walk through its whole posting list and narrows
      nothing), every word checked on the rows found, sorted: they are few;
    - when every word is common, one walk per key in activity order instead, each row checked for the
      words, each stopping after the page: nearly every ticket matches, so the walk stops early;
    - the request whose key the term is.

    The first two never both give rows, so the work is one of them. The words, the keys and the page
    are written into the SQL (this statement is built for one caller, search and page and kept,
    ``TicketRepository.page``): with no parameter a prepared search has one plan and is not planned
    again on every run (with parameters PostgreSQL chose a custom plan each time: planning was a
    quarter of the search's cost)."""
    words = search_words(f.search)
    rest = _filters(replace(f, search=None)) + ([] if implied else [visible_to(viewer)])
    depth, a = _fixed(start + limit), ticket_access
    seen = ticket_access.alias("seen")
    seen = exists().where(seen.c.ticket_id == tickets.c.id,
                          seen.c.key.in_(bindparam("seen_keys", keys, expanding=True, literal_execute=True))
                          ).correlate(tickets)
    # The index query once per statement (PostgreSQL; SQLite never renders it): as a function call in each
    # branch the planner and the executor computed it again for every branch.
    computed = select(func.ticket_search_index_query(TextMatch(words, literal=True).tsquery).label("q")
                      ).cte("search_index")
    index_query = select(computed.c.q).scalar_subquery()
    # OFFSET 0: the matches are found by the index and then sorted; under the LIMIT the planner would
    # otherwise weigh walking every ticket by activity against an estimate it cannot make.
    found = (select(tickets.c.id, tickets.c.last_activity_at)
             .where(TextMatch(words, keys, "indexed", seen, index_query, literal=True), *rest)
             .offset(_fixed(0)).subquery("found"))
    indexed = select(found).order_by(found.c.last_activity_at.desc(), found.c.id.desc()).limit(depth)
    walks = [select(a.c.ticket_id.label("id"), a.c.last_activity_at).join(tickets, tickets.c.id == a.c.ticket_id)
             .where(a.c.key == bindparam(None, key, type_=String, literal_execute=True),
                    TextMatch(words, mode="common", index_query=index_query, literal=True), *rest)
             .order_by(a.c.last_activity_at.desc(), a.c.ticket_id.desc()).limit(depth) for key in keys]
    term = bindparam(None, f.search.strip().upper(), type_=String, literal_execute=True)
    by_key = select(tickets.c.id, tickets.c.last_activity_at).where(tickets.c.key == term, seen, *rest)
    return _newest_page([indexed, *walks, by_key], "id", union, _fixed(start), _fixed(limit))


def _fixed(number: int) -> ColumnElement:
    """A LIMIT or OFFSET written into the SQL, not a parameter."""
    return literal_column(str(int(number)), Integer)


def _key_union(keys: list, where: list, depth, start, limit) -> Select:
    """One index walk per key, newest first, each stopping after ``depth`` rows; the page is the newest of those."""
    a = ticket_access

    def walk(key):
        rows = select(a.c.ticket_id, a.c.last_activity_at)
        # Every access row has its ticket (a foreign key, deleted with it): tickets is joined only to filter.
        if where:
            rows = rows.join(tickets, tickets.c.id == a.c.ticket_id)
        return (rows.where(a.c.key == key, *where).order_by(a.c.last_activity_at.desc(), a.c.ticket_id.desc())
                .limit(depth))
    branches = [walk(key) for key in keys]
    # The same ticket under two keys has one latest activity, so UNION keeps it once.
    return _newest_page(branches, "ticket_id", union, start, limit)


def _newest_page(branches: list[Select], id_name: str, combine, start, limit) -> Select:
    """The page (``start``, ``limit``) of the newest rows of ``branches`` (each ordered newest first and
    already cut after the page), merged by ``combine`` (``union`` or ``union_all``): the ids only."""
    if len(branches) == 1:
        return select(branches[0].subquery().c[id_name]).offset(start).limit(limit)
    found = combine(*(select(b.subquery()) for b in branches)).subquery()
    return (select(found.c[id_name]).order_by(found.c.last_activity_at.desc(), found.c[id_name].desc())
            .offset(start).limit(limit))


def plain_walk(viewer: Viewer, f: RequestFilter) -> list[str] | None:
    """The keys of a list that is nothing but the walk of its keys (latest activity first, no filter, every
    ticket found under them visible): ``request_query`` for it is ``key_walk(len(keys))``."""
    if f.search or f.sort != "-updated" or _filters(f):
        return None
    keys, implied = _walk(viewer, f)
    return keys if keys and implied else None


def key_walk_params(keys: list[str], start: int, limit: int) -> dict:
    return {**{f"walk_key_{n}": k for n, k in enumerate(keys)}, "walk_depth": start + limit, "page_start": start,
            "page_limit": limit}


@functools.cache
def key_walk(count: int) -> Select:
    """``request_query`` of a ``plain_walk`` of ``count`` keys, built once: building it cost more CPU than
    PostgreSQL spends running it. Its parameters are ``key_walk_params``.

    Each parameter is read through a subquery (``(SELECT $1)``), which the planner cannot look into:
    every caller's walk then costs it the same, so a prepared walk takes its generic plan instead of
    being planned again on every run (with the values in view PostgreSQL kept custom plans, and their
    planning cost more than the walk; bench/profiles/ts.md). The plan is the same ranges either way."""
    def opaque(name, type_):
        return select(bindparam(name, type_=type_)).scalar_subquery()
    keys = [opaque(f"walk_key_{n}", String) for n in range(count)]
    return _key_union(keys, [], opaque("walk_depth", Integer), opaque("page_start", Integer),
                      opaque("page_limit", Integer))


def _queue_statuses(f: RequestFilter) -> list[str] | None:
    """The statuses a desk's list is narrowed to (every status when only its assignee is given); None: no
    narrowing, the desk's own key is walked."""
    narrowed = {"OPEN_REQUESTS": OPEN, "CLOSED_REQUESTS": DONE}.get(f.status, set(Status))
    if f.statuses:
        narrowed = set(narrowed) & set(f.statuses)
    elif f.status == "ALL_REQUESTS" and f.assignee is None:
        return None
    return sorted(s.value for s in narrowed)


def _queue_walk(f: RequestFilter, statuses: list[str], start: int, limit: int) -> Select:
    """A desk's tickets in some statuses (a queue, seen by the desk's agent), latest activity first: one
    ordered range of ``ix_tickets_desk_status_activity`` (with an assignee ``ix_tickets_desk_queue``,
    unassigned ``ix_tickets_desk_unassigned``) per status, merged, so that the walk stops after the page however few of the desk's tickets match."""
    if not statuses:
        return select(tickets.c.id).where(false())
    rest = _filters(replace(f, status="ALL_REQUESTS", statuses=()))
    # Each branch stops after the page (PostgreSQL does not merge the ordered ranges of a UNION ALL under
    # a LIMIT by itself: it reads them all and sorts), so at most (start + limit) x statuses entries are read.
    branches = [select(tickets.c.id, tickets.c.last_activity_at).where(tickets.c.status == s, *rest)
                .order_by(tickets.c.last_activity_at.desc(), tickets.c.id.desc()).limit(start + limit)
                for s in statuses]
    return _newest_page(branches, "id", union_all, start, limit)


def _only_grouped(f: RequestFilter) -> bool:
    """Whether ``f`` looks only at what ``ticket_counts`` counts by: desk, status, assignee."""
    return not (f.search or f.request_type_id is not None or f.shared_with is not None or f.reporter is not None)


def count_query(viewer: Viewer, filters: dict[str, RequestFilter]) -> Select:
    """One row: how many tickets match each named filter (one statement for every queue).

    A desk's queues, counted by one of its agents, add up the desk's rows of ``ticket_counts`` (one per
    status and assignee, kept by triggers): each queue's condition is checked once per row, whatever
    the number of tickets. A queue narrowed further (search, request type, ...) counts its tickets, on
    ranges of ``ix_tickets_desk_queue`` when it can."""
    desks = {f.desk_id for f in filters.values()}
    desk = desks.pop() if len(desks) == 1 else None
    own_desk = (desk is not None and viewer.is_agent_for(desk)
                and all(_ownership_keys(viewer, f) is None for f in filters.values()))
    if own_desk and all(_only_grouped(f) for f in filters.values()):
        c = ticket_counts.c
        grouped = (select(c.desk_id, c.status, func.nullif(c.assignee_id, "").label("assignee_id"), c.n)
                   .where(c.desk_id == desk).subquery("grouped"))
        by_name = {tickets.c[name]: grouped.c[name] for name in ("desk_id", "status", "assignee_id")}

        def adapt(clause):
            return replacement_traverse(clause, {}, lambda element: by_name.get(element))
        return select(*[cast(func.coalesce(func.sum(grouped.c.n).filter(adapt(and_(true(), *_filters(f)))), 0),
                             Integer).label(name) for name, f in filters.items()])
    if own_desk and len(filters) == 1:
        # One filter: its conditions go in the WHERE clause, where they are ranges of the desk's index.
        (name, f), = filters.items()
        return select(func.count().label(name)).select_from(tickets).where(tickets.c.desk_id == desk, *_filters(f))
    if own_desk:
        counts = [func.count().filter(and_(true(), *_filters(f))).label(name) for name, f in filters.items()]
        return select(*counts).select_from(tickets).where(tickets.c.desk_id == desk)
    return select(*[func.count().filter(conditions(viewer, f)).label(name) for name, f in filters.items()]
                  ).select_from(tickets)


def queue_filter(queue: str, desk_id: int, agent_id: str) -> RequestFilter:
    """The fixed agent queues of a desk as request filters."""
    base = dict(ownership=("ALL_REQUESTS",), desk_id=desk_id)
    if queue == "unassigned":
        return RequestFilter(status="OPEN_REQUESTS", assignee="", **base)
    if queue == "mine":
        return RequestFilter(status="OPEN_REQUESTS", assignee=agent_id, **base)
    if queue == "waiting":
        return RequestFilter(statuses=(Status.WAITING_FOR_CUSTOMER,), **base)
    if queue == "open":
        return RequestFilter(status="OPEN_REQUESTS", **base)
    return RequestFilter(**base)
