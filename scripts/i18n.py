#!/usr/bin/env python3
"""Message catalogs by area.

    python scripts/i18n.py update AREA PATH [PATH ...]   extract the strings of these files into
                                                        sharing/translations/AREA/de (keeps translations)
    python scripts/i18n.py fill AREA < de.json                set German strings from a JSON object {id: text}
    python scripts/i18n.py missing                      every string of the app without a German translation

Message ids are English. German is the default language and must be complete.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "sharing" / "translations"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None,
            "lazy_ngettext": (1, 2), "pgettext": ((1, "c"), 2), "npgettext": ((1, "c"), 2, 3)}


def _method(path: Path) -> str:
    return "python" if path.suffix == ".py" else "jinja2"


def extract(paths: list[Path]) -> Catalog:
    """A catalog of every translatable string in the given files (recursively)."""
    catalog = Catalog(locale="de", domain="messages")
    for base in paths:
        files = [base] if base.is_file() else sorted(
            p for p in base.rglob("*") if p.suffix in {".py", ".html", ".txt"} and "translations" not in p.parts)
        for file in files:
            options = {"extensions": "jinja2.ext.i18n"} if _method(file) == "jinja2" else {}
            for lineno, message, comments, context in extract_from_file(
                    _method(file), str(file), keywords=KEYWORDS, options=options):
                catalog.add(message, locations=[(str(file.relative_to(ROOT)), lineno)],
                            auto_comments=comments, context=context)
    return catalog


def _po_path(area: str) -> Path:
    return TRANSLATIONS / area / "de" / "LC_MESSAGES" / "messages.po"


def update(area: str, paths: list[Path]) -> None:
    """Merge the strings of `paths` into the area's German catalog."""
    template = extract(paths)
    po_path = _po_path(area)
    if po_path.exists():
        with po_path.open("rb") as f:
            catalog = read_po(f, locale="de")
        catalog.update(template, no_fuzzy_matching=True)
    else:
        po_path.parent.mkdir(parents=True, exist_ok=True)
        catalog = Catalog(locale="de", domain="messages", project="Quartierauto")
        for message in template:
            if message.id:
                catalog.add(message.id, string=("", "") if message.pluralizable else "",
                            locations=message.locations, context=message.context)
    with po_path.open("wb") as f:
        write_po(f, catalog, width=100, omit_header=False, sort_output=True)
    untranslated = [m.id for m in catalog if m.id and not (all(m.string) if m.pluralizable else m.string)]
    print(f"{po_path.relative_to(ROOT)}: {len(catalog)} strings, {len(untranslated)} untranslated")


def fill(area: str, translations: dict) -> None:
    """Set German strings of the area's catalog; for plurals give a list [singular, plural]."""
    po_path = _po_path(area)
    with po_path.open("rb") as f:
        catalog = read_po(f, locale="de")
    unknown = []
    for msgid, text in translations.items():
        message = catalog.get(msgid) or next((m for m in catalog if isinstance(m.id, tuple) and m.id[0] == msgid), None)
        if message is None:
            unknown.append(msgid)
            continue
        message.string = tuple(text) if message.pluralizable else text
        message.flags.discard("fuzzy")
    with po_path.open("wb") as f:
        write_po(f, catalog, width=100, sort_output=True)
    if unknown:
        print(f"not in {area}'s catalog (run update first): {unknown}")


def translated_ids() -> set:
    """Ids with a German translation in any area."""
    done = set()
    for po_path in TRANSLATIONS.glob("*/de/LC_MESSAGES/messages.po"):
        with po_path.open("rb") as f:
            for message in read_po(f, locale="de"):
                if message.id and not message.fuzzy and (all(message.string) if message.pluralizable
                                                         else message.string):
                    done.add((message.context, message.id if isinstance(message.id, str) else message.id[0]))
    return done


def missing() -> list[tuple[str, str]]:
    """(location, id) of every string used in the app without a German translation."""
    done = translated_ids()
    result = []
    for message in extract([ROOT / "sharing", ROOT / "templates"]):
        if not message.id:
            continue
        key = (message.context, message.id if isinstance(message.id, str) else message.id[0])
        if key not in done:
            where = f"{message.locations[0][0]}:{message.locations[0][1]}" if message.locations else "?"
            result.append((where, key[1]))
    return result


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "update":
        update(sys.argv[2], [ROOT / p for p in sys.argv[3:]])
    elif len(sys.argv) == 3 and sys.argv[1] == "fill":
        import json

        fill(sys.argv[2], json.load(sys.stdin))
    elif len(sys.argv) == 2 and sys.argv[1] == "missing":
        rows = missing()
        for where, text in rows:
            print(f"{where}: {text!r}")
        print(f"{len(rows)} strings without German translation")
        sys.exit(1 if rows else 0)
    else:
        print(__doc__)
        sys.exit(2)
