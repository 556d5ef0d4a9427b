"""Karla's domain: pure data and rules, no I/O (h11-style: state in, decisions out)."""
