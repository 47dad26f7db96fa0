"""German is the default language: every string the app shows must have a German translation."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_string_has_a_german_translation():
    spec = importlib.util.spec_from_file_location("i18n_script", ROOT / "scripts" / "i18n.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    missing = module.missing()
    assert missing == [], "untranslated: " + "; ".join(f"{where} {text!r}" for where, text in missing[:20])
