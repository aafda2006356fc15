"""Property-based run of every operation in the app's OpenAPI schema with all of schemathesis's checks.

Not just "no 500": every response's status must be documented, bodies must match their schema, schema-valid
requests must be accepted (except for the domain rules listed in schemathesis.toml), schema-invalid ones
refused, undeclared methods answered 405 with a truthful Allow header, and so on (`call_and_validate` with no
`checks=` runs every check the config enables: all of them, as `schemathesis run --checks all`).

Schemathesis (v4) reads `/openapi.json` from the real app, generates valid and invalid requests for each
operation and calls the app in-process over ASGI (it runs the app's lifespan itself). Requests carry the
Bearer token of a real admin official, so the authenticated routes are exercised past their login check, and
Zalo is configured (with its API on a closed loopback port) so the webhook's own checks answer.
Examples per operation are bounded (SCHEMATHESIS_MAX_EXAMPLES, default 25) to keep the run near a minute.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.python.asgi import shutdown_lifespans

from api.main import AppOptions, create_app
from core.db import get_async_engine, reset_engines, session_scope
from core.officials.accounts import create_official
from core.settings import get_settings

ROOT = Path(__file__).resolve().parents[2]
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "25"))


@pytest.fixture
async def admin_token(database: str, env: pytest.MonkeyPatch) -> str:
    """The API token of an admin official in this test's database; Zalo configured so its webhook checks run."""
    env.setenv("ZALO_APP_ID", "1234567890123456789")
    env.setenv("ZALO_OA_SECRET_KEY", "schemathesis-oa-secret-key")
    for name in ("ZALO_OA_API_BASE_URL", "ZALO_OAUTH_BASE_URL"):
        env.setenv(name, "http://127.0.0.1:9")  # a closed loopback port: nothing leaves this machine
    env.setenv("ZALO_INBOX_SWEEP_SECONDS", "86400")  # no background sweep while tests switch databases
    get_settings.cache_clear()
    async with session_scope() as session:
        _, token = await create_official(session, name="Cán bộ kiểm thử", role="admin", area_codes=[])
    # Schemathesis calls the app on its own event loop: start it on fresh connections, not this loop's pool.
    await get_async_engine().dispose()
    reset_engines()
    return token


@pytest.fixture(scope="module", autouse=True)
def _stop_the_app_afterwards() -> Iterator[None]:
    """Schemathesis keeps an app's lifespan running until exit: stop it (and the Zalo service) with this module."""
    yield
    shutdown_lifespans()


# The schema is read from the app itself (no request needed); schemathesis runs the app's lifespan on first call.
APP = create_app(AppOptions(channels=False, scheduler=False, worker=False, prepare_database=False))
schema = schemathesis.openapi.from_dict(APP.openapi(), config=SchemathesisConfig.from_path(ROOT / "schemathesis.toml"))
schema.app = APP


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                 HealthCheck.function_scoped_fixture])
def test_every_generated_request_gets_a_documented_answer(case, admin_token):
    case.call_and_validate(headers={"Authorization": f"Bearer {admin_token}"})
