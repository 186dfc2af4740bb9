"""Tickets service: service desks, request types, tickets and the JSM-compatible REST API."""
