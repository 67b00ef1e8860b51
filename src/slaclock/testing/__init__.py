"""Helpers for testing code that uses slaclock.

``slaclock.testing.reference`` is a slow, obviously correct implementation of
the clock written from the contract (SEMANTICS.md) alone; it shares no code
with the fast path, so property tests can compare the two.
``slaclock.testing.strategies`` holds hypothesis strategies for zones, weekly
hours, holidays, overrides, calendars, instants, durations and pauses.

Neither module is imported by ``import slaclock``; ``strategies`` needs
hypothesis installed.
"""
