"""Use cases: plain functions ``(deps, *, actor, ...)``, one transaction each, raising common.errors."""
