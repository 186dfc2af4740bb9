from tickets.domain.audience import audience

BASE = dict(reporter_id="rep", participant_ids={"p1", "p2"}, agent_ids=["a1", "a2"], muted_ids=set())


def test_a_customer_action_goes_to_every_agent_when_unassigned_and_never_to_the_actor():
    aud = audience(actor_id="rep", actor_is_agent=False, assignee_id=None, **BASE)
    assert aud.agents == ("a1", "a2")
    assert aud.customers == ("p1", "p2")


def test_a_customer_action_goes_to_the_assignee_only_when_assigned():
    aud = audience(actor_id="rep", actor_is_agent=False, assignee_id="a2", **BASE)
    assert aud.agents == ("a2",)


def test_an_agents_public_action_goes_to_the_customers_minus_muted():
    aud = audience(actor_id="a1", actor_is_agent=True, assignee_id=None, **{**BASE, "muted_ids": {"p2"}})
    assert aud.customers == ("p1", "rep")
    assert aud.agents == ()


def test_an_internal_note_has_no_customer_audience():
    aud = audience(actor_id="a1", actor_is_agent=True, assignee_id="a2", public=False, **BASE)
    assert aud.customers == ()
    assert aud.agents == ("a2",)


def test_the_actor_is_never_told_about_their_own_action():
    aud = audience(actor_id="a2", actor_is_agent=True, assignee_id="a2", **BASE)
    assert "a2" not in aud.agents + aud.customers


def test_opted_in_organisation_members_hear_public_facts_only():
    aud = audience(actor_id="a1", actor_is_agent=True, assignee_id=None, watcher_ids={"w1"}, **BASE)
    assert aud.customers == ("p1", "p2", "rep", "w1")
    note = audience(actor_id="a1", actor_is_agent=True, assignee_id=None, watcher_ids={"w1"}, public=False, **BASE)
    assert note.customers == ()
    muted = audience(actor_id="a1", actor_is_agent=True, assignee_id=None, watcher_ids={"w1"},
                     **{**BASE, "muted_ids": {"w1"}})
    assert "w1" not in muted.customers
