"""Periodic sweeps (APScheduler) that call bot/core and fill the outbox; they hold no state.

Empty until the reminders and the outbox land: the FAQ assistant needs no periodic work.
"""
