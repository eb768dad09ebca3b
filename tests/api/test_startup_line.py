"""The line a process logs when it builds its app: writer, voice-over engine, blob store, queue, database."""

from __future__ import annotations

import logging
import threading

import pytest

import storyboard
from storyboard import create_app, startup_line
from storyboard.integrations.render import voice
from tests.conftest import settings_for


@pytest.fixture
def fresh_process(monkeypatch):
    """As in a process that has not built an app yet (the line is logged once per process)."""
    monkeypatch.setattr(storyboard, "_announced", threading.Event())


def _lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "storyboard" and "starting" in r.getMessage()]


def _voice_over() -> str:
    info = voice.engine_info()
    return (
        f"{info['engine']} {info['version']} ({info['package']})" if info["available"] else f"none ({info['reason']})"
    )


def test_the_first_app_of_a_process_logs_what_it_uses_once(backend, tmp_path, caplog, fresh_process):
    settings = settings_for(backend, str(tmp_path / "blobs"), LOCAL_WORK_THREADS=3)
    with caplog.at_level(logging.INFO, logger="storyboard"):
        create_app(settings, env={})
        create_app(settings, env={})
    assert len(_lines(caplog)) == 1
    line = _lines(caplog)[0]
    dialect = "sqlite" if backend.name == "sqlite" else "postgresql"
    store = f"filesystem ({tmp_path / 'blobs'})" if backend.blob_storage == "filesystem" else backend.blob_storage
    assert line == (
        f"storyboard starting: writer offline (offline-template-v2); voice-over {_voice_over()}; "
        f"blob store {store}; queue in-process threads (3); database {dialect}"
    )


def test_an_llm_writer_and_rq_are_named_without_their_secrets(app, monkeypatch):
    for key, value in {
        "AI_PROVIDER": "openai",
        "AI_API_KEY": "sk-secret-key-0123456789",
        "AI_MODEL": "llama3.1:8b",
        "AI_BASE_URL": "http://someone:hunter2@llm.internal:11434/v1?token=abc",
        "REDIS_URL": "redis://:redis-pass@queue.internal:6380/2",
        "RQ_QUEUE_PREFIX": "sb-",
    }.items():
        monkeypatch.setitem(app.config, key, value)
    line = startup_line(app)
    assert "writer openai model llama3.1:8b at llm.internal:11434;" in line
    assert "queue RQ at queue.internal:6380 (queue prefix 'sb-');" in line
    assert not any(secret in line for secret in ("sk-secret", "hunter2", "someone", "token", "redis-pass"))


def test_a_hosted_provider_is_named_by_its_default_host(app, monkeypatch):
    monkeypatch.setitem(app.config, "AI_PROVIDER", "anthropic")
    monkeypatch.setitem(app.config, "AI_API_KEY", "sk-ant-secret")
    monkeypatch.setitem(app.config, "AI_MODEL", "")
    monkeypatch.setitem(app.config, "AI_BASE_URL", "")
    assert "writer anthropic model claude-sonnet-4-5 at api.anthropic.com;" in startup_line(app)


def test_a_writer_that_is_not_configured_says_so(app, monkeypatch):
    monkeypatch.setitem(app.config, "AI_PROVIDER", "openai")
    monkeypatch.setitem(app.config, "AI_API_KEY", "")
    monkeypatch.setitem(app.config, "OPENAI_API_KEY", "")
    monkeypatch.setitem(app.config, "AI_BASE_URL", "")
    assert "writer not configured (AI provider is not configured);" in startup_line(app)
