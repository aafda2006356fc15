"""Vietnamese UI strings, kept as data in `content/texts.yaml` so curators can reword them."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from core.settings import get_settings


@lru_cache
def _load(path: Path) -> dict[str, str]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    flat: dict[str, str] = {}

    def walk(prefix: str, node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(f"{prefix}.{key}" if prefix else str(key), value)
        else:
            flat[prefix] = str(node).strip()

    walk("", data)
    return flat


def all_texts() -> dict[str, str]:
    return _load(get_settings().content_dir / "texts.yaml")


def get(key: str, **values: Any) -> str:
    """The text for `key` ("answer.fallback"), formatted with `values`. A missing key is a bug: KeyError."""
    text = all_texts()[key]
    return text.format(**values) if values else text
