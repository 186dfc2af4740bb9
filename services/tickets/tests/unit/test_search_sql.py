"""The search statement PostgreSQL runs for one caller's search: one plan, whatever the term."""
from sqlalchemy.dialects import postgresql

from common.db import Prepared
from tickets.domain.visibility import Viewer
from tickets.store.queries import RequestFilter, request_query


def test_a_search_seen_through_keys_has_no_parameters_on_postgresql():
    """With parameters PostgreSQL planned it again on every run (custom plans): a parameterless prepared
    statement keeps its one plan."""
    viewer = Viewer("someone", "customer", frozenset({3}))
    for term in ("printer fire", "print*", "o'brien 100%", "AM-7"):
        sql, params, _ = Prepared(request_query(viewer, RequestFilter(search=term), 0, 51), True)._compile(
            postgresql.psycopg.dialect())
        assert params == {} and "%(" not in sql
        assert "ticket_search_index_query" in sql and "'o:3'" in sql
