"""`next=` targets stay on the site."""

from __future__ import annotations

import pytest

from sharing.security.redirects import safe_next_url


@pytest.mark.parametrize("target", ["/", "/bookings", "/admin/users?page=2", "/a%20b"])
def test_local_paths_are_kept(target):
    assert safe_next_url(target) == target


@pytest.mark.parametrize("target", [
    None, "", "https://evil.example", "//evil.example", "/\\evil.example", "\\/evil.example",
    "javascript:alert(1)", "%2F%2Fevil.example", "/%2F%2Fevil.example", "/%5Cevil.example",
    "%252F%252Fevil.example", "http:evil.example", "/\r\nLocation: x", "relative/path",
])
def test_foreign_targets_are_refused(target):
    assert safe_next_url(target) is None
