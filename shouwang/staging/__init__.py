"""Staging: conform delivered rows to the canonical shape, quarantine what cannot be used, and apply
each delivery as a change set to the per-feed staging tables (current state + history)."""
