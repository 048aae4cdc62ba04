"""One frozen, typed settings object, built once from the environment (and ``.env``).

Defaults stand beside the names. ``Settings.require(...)`` names every missing value on its own line so a
newcomer knows exactly what to set. Tests build ``Settings(...)`` directly and never read the real
environment.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = PROJECT_ROOT / "data"

# What each variable is for, shown when it is missing.
_HELP = {
    "SLACK_BOT_TOKEN": "the bot token (xoxb-…) from your Slack app's OAuth & Permissions page",
    "SLACK_SIGNING_SECRET": "the signing secret from your Slack app's Basic Information page",
    "SYMBL_APP_ID": "your Symbl app id (or set ENGINE=local to run offline)",
    "SYMBL_APP_SECRET": "your Symbl app secret (or set ENGINE=local to run offline)",
}


@dataclass(frozen=True)
class Settings:
    """Every setting the app reads. Field names mirror the environment variables."""

    slack_bot_token: str = ""
    slack_signing_secret: str = ""
    slack_app_token: str = ""  # set: Socket Mode; empty: HTTP mode
    slack_api_url: str = "https://slack.com/api/"
    slack_hooks_host: str = "hooks.slack.com"  # the only host a request's response_url may name
    slack_files_host: str = "files.slack.com"  # the only host besides SLACK_API_URL's that gets the bot token
    symbl_app_id: str = ""
    symbl_app_secret: str = ""
    symbl_api_url: str = "https://api.symbl.ai"
    engine: str = "local"  # "symbl" | "local"
    database_url: str = ""  # empty: a SQLite file in data_dir
    poll_interval_seconds: float = 5.0
    public_url: str = ""  # set: Symbl calls our webhook instead of waiting for the next poll
    max_file_mb: int = 2048
    max_duration_minutes: int = 240  # the offline engine's longest recording (Symbl's own limit is 4 hours)
    # A Slack download's overall time: max(this, size at 50 KB/s). A download slower than that frees its worker.
    download_min_seconds: float = 60.0
    port: int = 3000
    data_dir: Path = DEFAULT_DATA_DIR
    whisper_model: str = ""  # empty: the bundled base; "tiny.en" (bundled, English only), a model directory or name
    webhook_secret: str = ""  # guards /symbl/webhook/…; derived from the signing secret when empty
    job_deadline_seconds: float = 4 * 3600.0  # Symbl's own maximum media duration
    worker_threads: int = 4  # the jobs process's pool
    web_workers: int = 2  # web server processes answering Slack (they hold no jobs, so any number is safe)
    # On SIGTERM: seconds of answering /readyz with 503 while still serving, so a load balancer moves traffic away
    # before the socket closes. 0 (the default) stops at once; set it when replicas sit behind a balancer.
    shutdown_drain_seconds: float = 0.0
    # Fairness and abuse limits (bot/store/turns.py): recordings worked on at once in all (0: the engine's
    # capacity), each channel's and each person's share of them while others wait their turn (alone, a burst
    # uses all of it), and recordings one person may have waiting at all (more are refused with a note).
    max_running: int = 0
    max_running_per_channel: int = 5
    max_running_per_user: int = 3
    max_pending_per_user: int = 20
    # Meeting memory: days a meeting is kept before the daily sweep forgets it, for channels that set no retention
    # of their own (``/symbl retention``); 0 keeps meetings until someone forgets them. How often each jobs process
    # looks whether today's sweep is still to be done (the sweep itself runs once a day across all replicas).
    retention_days: int = 0
    retention_check_seconds: float = 300.0
    local_allow_private_urls: bool = False  # tests only: let the offline engine fetch loopback URLs
    # The Symbl-compatible API server (``symbl-bot api``, bot/api/): its clients' "appId:appSecret" pairs, separated
    # by commas; its port and web workers; how long a token lives (Symbl's 24 h); the jobs one client may have
    # unfinished at once (Symbl's 429 beyond it); and the key tokens are signed with (empty: derived from API_CLIENTS,
    # so every server given the same clients accepts the others' tokens).
    api_clients: str = ""
    api_port: int = 8080
    api_workers: int = 1
    api_token_seconds: int = 86400
    api_max_concurrent_jobs: int = 50
    api_token_key: str = ""
    api_lease_seconds: float = 120.0  # how long a dead server's job waits before another server takes it over
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'bot.sqlite3'}"

    @property
    def max_file_bytes(self) -> int:
        return self.max_file_mb * 1024 * 1024

    def require(self, *names: str) -> None:
        """Raise ``ConfigError`` naming, one per line, each of these variables that is unset."""
        missing = [n for n in names if not getattr(self, n.lower())]
        if missing:
            lines = [f"Set {n}: {_HELP.get(n, 'required')}." for n in missing]
            raise ConfigError("\n".join(lines))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, *, dotenv: Path | None = None) -> Settings:
        """Build settings from the environment, with ``.env`` (if present) filling unset variables."""
        env = dict(os.environ if environ is None else environ)
        dotenv_path = dotenv if dotenv is not None else PROJECT_ROOT / ".env"
        if environ is None and dotenv_path.is_file():
            from dotenv import dotenv_values

            for key, value in dotenv_values(dotenv_path).items():
                if value is not None:
                    env.setdefault(key, value)

        problems: list[str] = []

        def number(name: str, default: float, kind: type = float, *, zero_ok: bool = False):
            raw = env.get(name, "").strip()
            if not raw:
                return default
            try:
                value = kind(raw)
            except ValueError:
                problems.append(f"{name} must be a number, not {raw!r}.")
                return default
            if value < 0 or (value == 0 and not zero_ok):
                problems.append(f"{name} must be {'0 or more' if zero_ok else 'positive'}, not {raw!r}.")
                return default
            return value

        engine = env.get("ENGINE", "").strip().lower() or ("symbl" if env.get("SYMBL_APP_ID") else "local")
        if engine not in {"symbl", "local"}:
            problems.append(f"ENGINE must be 'symbl' or 'local', not {engine!r}.")
        settings = cls(
            slack_bot_token=env.get("SLACK_BOT_TOKEN", ""),
            slack_signing_secret=env.get("SLACK_SIGNING_SECRET", ""),
            slack_app_token=env.get("SLACK_APP_TOKEN", ""),
            slack_api_url=env.get("SLACK_API_URL", "") or cls.slack_api_url,
            slack_files_host=env.get("SLACK_FILES_HOST", "") or cls.slack_files_host,
            slack_hooks_host=env.get("SLACK_HOOKS_HOST", "") or cls.slack_hooks_host,
            symbl_app_id=env.get("SYMBL_APP_ID", ""),
            symbl_app_secret=env.get("SYMBL_APP_SECRET", ""),
            symbl_api_url=(env.get("SYMBL_API_URL", "") or cls.symbl_api_url).rstrip("/"),
            engine=engine,
            database_url=env.get("DATABASE_URL", ""),
            poll_interval_seconds=number("POLL_INTERVAL_SECONDS", cls.poll_interval_seconds),
            public_url=env.get("PUBLIC_URL", "").rstrip("/"),
            max_file_mb=number("MAX_FILE_MB", cls.max_file_mb, int),
            max_duration_minutes=number("MAX_DURATION_MINUTES", cls.max_duration_minutes, int),
            download_min_seconds=number("DOWNLOAD_MIN_SECONDS", cls.download_min_seconds),
            port=number("PORT", cls.port, int),
            data_dir=Path(env["DATA_DIR"]) if env.get("DATA_DIR") else DEFAULT_DATA_DIR,
            whisper_model=env.get("WHISPER_MODEL", ""),
            webhook_secret=env.get("WEBHOOK_SECRET", ""),
            job_deadline_seconds=number("JOB_DEADLINE_SECONDS", cls.job_deadline_seconds),
            worker_threads=number("WORKER_THREADS", cls.worker_threads, int),
            web_workers=number("WEB_WORKERS", cls.web_workers, int),
            shutdown_drain_seconds=number("SHUTDOWN_DRAIN_SECONDS", cls.shutdown_drain_seconds, zero_ok=True),
            max_running=number("MAX_RUNNING", cls.max_running, int, zero_ok=True),
            max_running_per_channel=number("MAX_RUNNING_PER_CHANNEL", cls.max_running_per_channel, int),
            max_running_per_user=number("MAX_RUNNING_PER_USER", cls.max_running_per_user, int),
            max_pending_per_user=number("MAX_PENDING_PER_USER", cls.max_pending_per_user, int),
            retention_days=number("RETENTION_DAYS", cls.retention_days, int, zero_ok=True),
            retention_check_seconds=number("RETENTION_CHECK_SECONDS", cls.retention_check_seconds),
            local_allow_private_urls=env.get("LOCAL_ALLOW_PRIVATE_URLS", "").lower() in {"1", "true", "yes"},
            api_clients=env.get("API_CLIENTS", ""),
            api_port=number("API_PORT", cls.api_port, int),
            api_workers=number("API_WORKERS", cls.api_workers, int),
            api_token_seconds=number("API_TOKEN_SECONDS", cls.api_token_seconds, int),
            api_max_concurrent_jobs=number("API_MAX_CONCURRENT_JOBS", cls.api_max_concurrent_jobs, int),
            api_token_key=env.get("API_TOKEN_KEY", ""),
            api_lease_seconds=number("API_LEASE_SECONDS", cls.api_lease_seconds),
        )
        if problems:
            raise ConfigError("\n".join(problems))
        return settings
