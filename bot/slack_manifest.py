"""The bot scopes leadbot asks an installing workspace for; manifest.yml declares the same (a test keeps them equal).

They live in the code, not read from manifest.yml at start, because an installed leadbot (the Docker image,
`pip install .`) carries its package and not the repository's manifest files.
"""

from __future__ import annotations

# oauth_config.scopes.bot: leadbot does not work without these.
REQUIRED_SCOPES = ("commands", "chat:write", "im:write", "users:read", "im:history")
# oauth_config.scopes.bot_optional: an installer may turn any down; the feature that needs it then says so.
OPTIONAL_SCOPES = ("channels:history", "groups:history", "users:read.email", "files:write")


def bot_scopes() -> list[str]:
    """What Add to Slack asks for: the required scopes, then the optional ones (an installer may still refuse them)."""
    return [*REQUIRED_SCOPES, *OPTIONAL_SCOPES]
