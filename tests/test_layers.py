"""Imports flow one way: core <- bot.engine <- bot.channels <- delivery <- schedules <- api.

A module may import its own layer and the layers to its left, never one to its right, so a newcomer can read
`core/` without the bot, the bot without the workers, and the workers without the web app.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ["core", "bot.engine", "bot.channels", "delivery", "schedules", "api"]


def _layer(module: str) -> int | None:
    for index in range(len(LAYERS) - 1, -1, -1):
        if module == LAYERS[index] or module.startswith(LAYERS[index] + "."):
            return index
    return None


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_no_module_imports_a_layer_to_its_right():
    wrong = []
    for package in ("core", "bot", "delivery", "schedules", "api"):
        for path in sorted((ROOT / package).rglob("*.py")):
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            own = _layer(module)
            for imported in sorted(_imports(path)):
                other = _layer(imported)
                if own is not None and other is not None and other > own:
                    wrong.append(f"{module} imports {imported}")
    assert not wrong, "imports against the flow, " + " <- ".join(LAYERS) + ":\n" + "\n".join(wrong)
