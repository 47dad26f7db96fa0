"""Use cases: each takes a session and the acting user, applies the domain rules, commits once."""
