from notifier.domain.sharing import shared_with_names


def test_names_of_the_added_organisations_only_in_payload_order():
    data = {"added": ["2", "1"], "organizationNames": {"1": "Acme", "2": "Northwind", "3": "Other"}}
    assert shared_with_names(data) == ["Northwind", "Acme"]


def test_list_of_organisations_is_accepted():
    data = {"added": ["1"], "organizations": [{"id": 1, "name": "Acme"}, {"id": "2", "name": "Other"}]}
    assert shared_with_names(data) == ["Acme"]
    data = {"added": ["1"], "addedOrganizations": [{"organizationId": "1", "name": " Acme "}]}
    assert shared_with_names(data) == ["Acme"]


def test_no_names_or_junk_gives_an_empty_list():
    assert shared_with_names({"added": ["1"]}) == []
    assert shared_with_names({"added": ["1"], "organizationNames": {"1": ""}}) == []
    assert shared_with_names({"added": ["1"], "organizations": ["Acme", {"id": "1", "name": 5}]}) == []
    assert shared_with_names({"added": [], "organizationNames": {"1": "Acme"}}) == []
