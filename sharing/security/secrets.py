"""Random secrets whose hashes are stored (one-time links, API tokens)."""

from __future__ import annotations

import hashlib
import secrets


def new_secret(nbytes: int = 32) -> str:
    """A URL-safe random secret."""
    return secrets.token_urlsafe(nbytes)


def secret_hash(secret: str) -> str:
    """SHA-256 hex digest; secrets are high-entropy, so a fast hash is the right tool."""
    return hashlib.sha256(secret.encode()).hexdigest()
