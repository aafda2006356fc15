"""`giamngheo zalo set-tokens` and `giamngheo zalo status`: operators replace tokens without seeing them echoed."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from api.cli.main import app


def test_set_tokens_replaces_the_pair_and_status_never_shows_it(zalo):
    runner = CliRunner()
    result = runner.invoke(app, ["zalo", "set-tokens"], input="new-access-77\nnew-refresh-77\n")
    assert result.exit_code == 0, result.output
    assert "new-access-77" not in result.output and "new-refresh-77" not in result.output
    status = runner.invoke(app, ["zalo", "status"])
    assert status.exit_code == 0
    shown = json.loads(status.output.strip().splitlines()[-1])
    assert shown["stored"] == "yes" and shown["expires_at"] is None
    assert "new-" not in status.output


def test_set_tokens_refuses_blank_tokens(zalo):
    result = CliRunner().invoke(app, ["zalo", "set-tokens", "--access-token", " ", "--refresh-token", "x"])
    assert result.exit_code == 2
