"""Normalized model, snapshots and the attack-path graph."""
