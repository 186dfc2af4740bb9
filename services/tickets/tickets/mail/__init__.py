"""The email channel's decisions: what an email handed over by the inbound service becomes."""
