"""Turning a notification into an email: templates in the reader's language, then safe headers."""
