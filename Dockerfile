# CareBot: one process per bot token. SQLite in /app/data by default; set DATABASE_URL for PostgreSQL.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY bot ./bot
COPY scheduler ./scheduler
RUN pip install .

COPY alembic.ini ./
COPY migrations ./migrations
COPY knowledge ./knowledge
COPY templates ./templates

RUN useradd --system --home /app carebot && mkdir -p /app/data && chown carebot /app/data
USER carebot
VOLUME ["/app/data"]
EXPOSE 8443

# Migrations are idempotent: every start brings the database to the current schema first.
CMD ["sh", "-c", "python -m bot setup && exec python -m bot run"]
