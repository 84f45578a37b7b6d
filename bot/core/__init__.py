"""The domain: no `telegram` import here. Handlers, jobs and the CLI call these services."""
