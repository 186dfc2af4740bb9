"""Pure domain of identity: no Flask, no SQLAlchemy, unit-tested without fixtures."""
