"""The bot scopes leadbot asks an installing workspace for: the ones manifest.yml declares, read once at start."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.config import SettingsError

MANIFEST = Path(__file__).resolve().parent.parent / "manifest.yml"


def bot_scopes(path: Path = MANIFEST) -> list[str]:
    """`oauth_config.scopes.bot`, then `bot_optional` (asked for too: an installer may still turn them down)."""
    try:
        manifest = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise SettingsError(f"cannot read the bot scopes from {path.name}: {error}") from None
    scopes = (manifest.get("oauth_config") or {}).get("scopes") or {}
    wanted = [*(scopes.get("bot") or []), *(scopes.get("bot_optional") or [])]
    if not wanted:
        raise SettingsError(f"{path.name} declares no bot scopes (oauth_config.scopes.bot)")
    return list(dict.fromkeys(str(scope) for scope in wanted))
