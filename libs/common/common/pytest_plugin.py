"""pytest plugin (entry point ``servicedesk``): prints the case counts suites report with ``count_cases``."""
from __future__ import annotations


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    from .testing import CASE_COUNTS

    if not CASE_COUNTS:
        return
    terminalreporter.section("case counts")
    for name, count in sorted(CASE_COUNTS.items()):
        terminalreporter.write_line(f"{name}: {count} cases")
