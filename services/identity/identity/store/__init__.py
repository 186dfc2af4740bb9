"""Persistence of identity: tables, mapping of the domain classes, unit of work."""
