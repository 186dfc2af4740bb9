"""Peer advisories about untrusted mail headers (peer lessons §4.4)."""
from inbound.authresults import dmarc_verdict


def test_rt_cve_2023_41259_and_freescout_ghsa_9cm3_headers_are_believed_only_from_our_mta():
    forged = "evil.example; dmarc=pass header.from=example.com"
    ours = "mx.example.com; dmarc=fail header.from=example.com"
    assert dmarc_verdict([forged], ["mx.example.com"]) == "none"
    assert dmarc_verdict([forged, ours], ["mx.example.com"]) == "fail"
    assert dmarc_verdict([forged], []) == "none"
