"""The search rule's table (``tickets.store.queries.SEARCH_TABLE``) through the API on PostgreSQL: full text
over the summary, the description and public comments, never internal notes."""
import pytest

from tickets.store.queries import SEARCH_DOCUMENT, SEARCH_TABLE

API = "/rest/servicedeskapi"


@pytest.mark.parametrize("term,found", SEARCH_TABLE)
def test_search_follows_its_table_on_postgresql(api, person, term, found):
    alice, agent = person(), person(role="agent")
    doc = SEARCH_DOCUMENT
    for n in range(6):
        api.create(alice, summary=f"Unrelated {n}")
    key = api.create(alice, summary=doc["summary"], values={"description": doc["description"]}).json["issueKey"]
    assert key == "AM-7"
    assert api.post(f"{API}/request/{key}/comment", alice, {"body": doc["public comment"]}).status_code == 201
    assert api.post(f"{API}/request/{key}/comment", agent, {"body": doc["internal note"], "public": False}
                    ).status_code == 201
    for reader in (alice, agent):  # agents do not find internal notes either: search is on the public text
        answer = api.get(f"{API}/request", reader, query_string={"searchTerm": term,
                                                                  "requestOwnership": "ALL_REQUESTS"})
        assert answer.status_code == 200, answer.json
        assert (key in [r["issueKey"] for r in answer.json["values"]]) is found


def test_an_edited_summary_is_found_by_its_new_words(api, person):
    alice, agent = person(), person(role="agent")
    key = api.create(alice, summary="Old words").json["issueKey"]
    assert api.patch(f"/api/tickets/requests/{key}", agent, {"summary": "Fresh vocabulary"}).status_code == 200
    assert [r["issueKey"] for r in api.get(f"{API}/request?searchTerm=vocab*", alice).json["values"]] == [key]
    assert api.get(f"{API}/request?searchTerm=old", alice).json["values"] == []


def test_search_follows_participants_added_and_removed(api, person):
    """The full-text index holds the ticket's access keys: they follow every change of the participants."""
    alice, bob, agent = person(), person(), person(role="agent")
    key = api.create(alice, summary="Jukebox skips").json["issueKey"]

    def bob_finds():
        return [r["issueKey"] for r in api.get(f"{API}/request?searchTerm=jukebox", bob).json["values"]]

    assert bob_finds() == []
    assert api.post(f"{API}/request/{key}/participant", agent, {"accountIds": [bob.id]}).status_code == 200
    assert bob_finds() == [key]
    assert api.delete(f"{API}/request/{key}/participant", agent, {"accountIds": [bob.id]}).status_code == 200
    assert bob_finds() == []


def test_the_document_the_triggers_keep_is_the_whole_document_recomputed(api, app, person, organizations):
    """Migration 0010's triggers change a new ticket's document and one access key at a time; after
    every kind of change it is still what 0008's whole-document expression gives."""
    import importlib.util
    from pathlib import Path

    from sqlalchemy import text

    import tickets

    path = Path(tickets.__file__).parent / "migrations" / "versions" / "0010_cheaper_intake_triggers.py"
    spec = importlib.util.spec_from_file_location("cheaper_triggers", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    organizations(1, 2)
    alice, bob, carol, agent = person(orgs=[1]), person(), person(), person(role="agent")

    def drift():
        with app.extensions["tickets.engine"].connect() as conn:
            return conn.execute(text(f"SELECT t.key FROM tickets t WHERE t.search_vector IS DISTINCT FROM "
                                     f"{migration._FULL} ORDER BY t.id")).scalars().all()

    shared = api.create(alice, summary="Shared: e-mail export.csv", values={"description": "Words, more words"}
                        ).json["issueKey"]
    private = api.create(alice, summary="Private one", values={"organizations": []}).json["issueKey"]
    raised = api.create(agent, summary="For alice", raiseOnBehalfOf=alice.id, requestParticipants=[bob.id])
    assert raised.status_code == 201, raised.json
    assert drift() == []
    assert api.post(f"{API}/request/{shared}/participant", agent, {"accountIds": [bob.id]}).status_code == 200
    assert api.post(f"{API}/request/{shared}/participant", agent, {"accountIds": [carol.id]}).status_code == 200
    assert api.delete(f"{API}/request/{shared}/participant", agent, {"accountIds": [bob.id]}).status_code == 200
    assert api.post(f"/api/tickets/requests/{shared}/organizations", agent, {"add": [2], "remove": [1]}
                    ).status_code == 200
    assert api.post(f"/api/tickets/requests/{private}/organizations", agent, {"add": [1]}).status_code == 200
    assert api.post(f"{API}/request/{private}/comment", alice, {"body": "A public word"}).status_code == 201
    assert api.patch(f"/api/tickets/requests/{private}", agent, {"summary": "Renamed"}).status_code == 200
    assert drift() == []



def test_common_words_give_the_same_answer_as_every_word_looked_up(api, app, person, organizations):
    """A word in most tickets is left out of the full-text index lookup once the statistics know it
    (migration 0012); when every word is common the list walks the caller's keys instead. Either way
    the answer, its order and its pages are those of the search rule."""
    from sqlalchemy import text

    organizations(1)
    alice, bob, agent = person(orgs=[1]), person(orgs=[1]), person(role="agent")
    for n in range(14):  # AM-1 .. AM-14, newest last
        api.create(agent, raiseOnBehalfOf=(alice if n % 2 else bob).id, summary=f"Player stalls {n}",
                   values={"organizations": [1] if n % 3 else [],
                           "description": "It skips on fire" if n == 4 else "It skips"})
    api.create(agent, raiseOnBehalfOf=person().id, summary="Player stalls elsewhere", values={"organizations": []})
    engine = app.extensions["tickets.engine"]
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE tickets"))

    def index_query(words):
        with engine.connect() as conn:
            return conn.execute(text("SELECT CAST(ticket_search_index_query(:w) AS text)"), {"w": words}).scalar()

    # Both ways are taken: every word common (the walk), a rare word with a common one (the index).
    assert index_query("'player'") is None and index_query("'pla':*") is None
    assert index_query("'player' & 'fire'") == "'fire'"
    seen = {"alice": [n for n in range(14) if n % 2 or n % 3], "bob": [n for n in range(14) if n % 2 == 0 or n % 3]}
    rule = {"player": lambda n: True, "player skips": lambda n: True, "play*": lambda n: True,
            "player fire": lambda n: n == 4, "fire": lambda n: n == 4, "stalls 7": lambda n: n == 7,
            "AM-3": lambda n: n == 2, "player AM-3": lambda n: False}
    for name, who in (("alice", alice), ("bob", bob)):
        for term, found in rule.items():
            expected = [f"AM-{n + 1}" for n in sorted(seen[name], reverse=True) if found(n)]
            for start, limit in ((0, 50), (0, 3), (3, 3)):
                got = api.get(f"{API}/request", who, query_string={"searchTerm": term, "start": start, "limit": limit})
                assert got.status_code == 200, got.json
                assert [r["issueKey"] for r in got.json["values"]] == expected[start:start + limit], (name, term, start)


def test_quotes_backslashes_and_percents_in_a_term_are_words_and_text(api, person):
    """The search's words, keys and term are written into its SQL (one plan per search): quoting holds."""
    alice = person()
    key = api.create(alice, summary="O'Brien's printer at 100% \\ jammed").json["issueKey"]
    for term, found in (("o'brien", True), ("brien's 100%", True), ("100% \\", True),
                        ("'; DROP TABLE tickets; --", False),
                        ("%", True), ("\\' OR 1=1 --", False)):  # "%" has no word: no condition
        answer = api.get(f"{API}/request", alice, query_string={"searchTerm": term})
        assert answer.status_code == 200, (term, answer.json)
        assert ([r["issueKey"] for r in answer.json["values"]] == [key]) is found, term
