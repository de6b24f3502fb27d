"""Persistence: SQLAlchemy models, the unit of work and Alembic migrations; knows no Telegram."""
