"""Only ever redirect to a path on this site."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit


def safe_next_url(target: str | None) -> str | None:
    """The target if it is a local path, else None.

    Rejects absolute URLs, scheme-relative ``//host``, the ``/\\host`` trick browsers
    treat like ``//host``, ``javascript:`` and control characters, also when encoded.
    """
    if not target:
        return None
    decoded = target
    for _ in range(3):  # double and triple encoding should not smuggle anything through
        decoded = unquote(decoded)
    for candidate in (target, decoded):
        if any(ord(ch) < 32 or ch == "\x7f" for ch in candidate):
            return None
        normalised = candidate.replace("\\", "/")
        if not normalised.startswith("/") or normalised.startswith("//"):
            return None
        parts = urlsplit(normalised)
        if parts.scheme or parts.netloc:
            return None
    return target
