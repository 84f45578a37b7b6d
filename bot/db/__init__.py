"""SQLAlchemy 2 (async) models, the engine and small repository functions."""
