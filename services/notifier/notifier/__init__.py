"""Notifier service: consumes identity and ticket events and emails the people they concern."""
