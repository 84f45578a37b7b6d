"""Periodic sweeps (APScheduler) that call bot/core and fill the outbox; they hold no state.

scheduler.jobs: the outbox sender and the reminder sweep; scheduler.lifecycle starts them with the bot.
"""
