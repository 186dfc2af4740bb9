"""``make bench``: the stack under load beside minimal references, figures as ratios (issue 8)."""
