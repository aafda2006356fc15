"""The fake Bot API with settings pointing at it, and a seeded world (fixtures shared with the other outbox tests)."""

from tests.kit.delivery_fixtures import fake_telegram, staff  # noqa: F401  (pytest finds fixtures by name here)
