# CareBot: one image, any number of replicas (one sends, the others stand by; README "Deploying").
# SQLite in /app/data by default; set DATABASE_URL for PostgreSQL. tests/test_deployment.py builds what this file
# builds (a clean virtual environment from the files copied here) and runs its start command and health check.

# Pinned: the exact Python release and Debian release the tests run on (3.11); bump deliberately.
ARG PYTHON_IMAGE=python:3.11.7-slim-bookworm

# ---- build: the dependencies, pinned in pyproject.toml, into a virtual environment ----
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /build
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > requirements.txt
RUN python -m venv /opt/venv && /opt/venv/bin/pip install -r requirements.txt

# ---- runtime: the environment, the code and the dealer's files; nothing else ----
FROM ${PYTHON_IMAGE} AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH=/opt/venv/bin:$PATH METRICS_PORT=9090 DEMO_DATA=false
RUN useradd --system --uid 10001 --home-dir /app --no-create-home carebot
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY alembic.ini ./
COPY migrations ./migrations
COPY bot ./bot
COPY scheduler ./scheduler
COPY knowledge ./knowledge
COPY templates ./templates
RUN mkdir -p /app/data && chown carebot /app/data
USER carebot
VOLUME ["/app/data"]
# 8443: the webhook (when WEBHOOK_URL is set); 9090: /healthz and /metrics.
EXPOSE 8443 9090

HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ.get('METRICS_PORT') or 9090}/healthz\", timeout=4)"]

# `run` validates the knowledge files and migrates the database (one replica at a time) before the first update.
CMD ["python", "-m", "bot", "run"]
