"""Settings come from the environment; a production start without its secrets is refused.

Each start runs ``manage.py check`` in a fresh process with a bare environment, since
settings are read once per process.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

BASE_DIR = Path(__file__).resolve().parent.parent


def start(*args: str, **env: str) -> subprocess.CompletedProcess:
    bare = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "PYTHONIOENCODING": "utf-8",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        # Never the developer's var/db.sqlite3; `check` does not create the file anyway.
        "DATABASE_URL": "sqlite:////tmp/minzu-settings-check.sqlite3",
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check", *args],
        cwd=BASE_DIR,
        env={**bare, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_start_without_secret_key_is_refused():
    result = start(DEBUG="false", ALLOWED_HOSTS="shequ.example.cn")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "必须通过环境变量 SECRET_KEY 提供密钥" in result.stderr


def test_production_start_without_allowed_hosts_is_refused():
    result = start(DEBUG="false", SECRET_KEY="a-long-random-production-secret")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "必须通过环境变量 ALLOWED_HOSTS 提供允许访问的主机名" in result.stderr


def test_debug_is_off_unless_asked_for():
    result = start()

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_start_with_secret_key_and_allowed_hosts_passes_the_checks():
    result = start(
        DEBUG="false", SECRET_KEY="a-long-random-production-secret", ALLOWED_HOSTS="shequ.example.cn"
    )

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_demo_starts_without_any_secret():
    result = start(DEBUG="true")

    assert result.returncode == 0, result.stderr


# What `make demo` gives the server: DEBUG off, a generated key, the static files found
# by WhiteNoise where they lie (no collectstatic).
DEMO_PROBE = """
from django.test import Client
client = Client()
missing = client.get("/no-such-page/")
static = client.get("/static/vendor/bootstrap/css/bootstrap.min.css")
print(missing.status_code, "找不到该页面" in missing.content.decode(), b"URLconf" in missing.content)
print(static.status_code, type(static).__name__)
"""


def test_the_demo_serves_as_production_with_the_chinese_404_and_whitenoise():
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "PYTHONIOENCODING": "utf-8",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": "sqlite:////tmp/minzu-settings-check.sqlite3",
        "SECRET_KEY": "generated-into-var-by-make-demo",
        "ALLOWED_HOSTS": "localhost,127.0.0.1,[::1],testserver",
        "STATIC_MANIFEST": "false",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", DEMO_PROBE],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    missing, static = result.stdout.splitlines()[-2:]
    assert missing == "404 True False"
    assert static == "200 WhiteNoiseFileResponse"


def test_the_interface_is_simplified_chinese_in_beijing_time():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_TZ is True
    assert settings.CELERY_TIMEZONE == "Asia/Shanghai"


@pytest.mark.skipif(
    os.environ.get("REQUIRE_REAL_SERVICES", "").lower() != "true",
    reason="只在真实服务（PostgreSQL、Redis）下运行",
)
def test_the_real_services_run_uses_postgresql_and_redis():
    assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    assert not settings.CELERY_TASK_ALWAYS_EAGER


def test_production_settings_pass_the_deployment_checklist():
    """``manage.py check --deploy`` with production settings over HTTPS: no warning (HSTS,
    secure cookies, SSL redirect, a strong secret, DEBUG off, framing denied)."""
    import secrets

    result = start(
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        HTTPS="true",
        SECRET_KEY=secrets.token_urlsafe(60),
        ALLOWED_HOSTS="shequ.example.gov.cn",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_over_plain_http_the_checklist_says_what_is_missing():
    import secrets

    result = start(
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(60),
        ALLOWED_HOSTS="x",
    )
    assert result.returncode != 0 and "SESSION_COOKIE_SECURE" in result.stdout + result.stderr
