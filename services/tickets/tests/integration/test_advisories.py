"""Peer advisories (peer lessons §4.4) answered inside tickets; the rest run through the gateway."""
import pytest

from tickets.domain.visibility import TRUTH_TABLE

from .test_visibility import API, build_case

SUBSTRING_CASES = [c for c in TRUTH_TABLE if {"org1", "org12"} & (c.member_of | c.shared_with)
                   and c.member_of != c.shared_with]


@pytest.mark.parametrize("case", SUBSTRING_CASES, ids=lambda c: c.name)
def test_otrs_cve_2009_5055_membership_is_matched_by_exact_id_never_by_substring(case, api, person, organizations):
    viewer, key = build_case(case, api, person, organizations)
    assert api.get(f"{API}/request/{key}", viewer).status_code == (200 if case.visible else 404)
    listed = api.get(f"{API}/request?requestOwnership=ALL_REQUESTS", viewer).json["values"]
    assert (key in [r["issueKey"] for r in listed]) is case.visible
