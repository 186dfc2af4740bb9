"""Identity service: accounts, invitations, sign-up, passwords, sessions, API tokens, organisations."""
