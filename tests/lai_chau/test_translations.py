from pathlib import Path

import polib
from django.conf import settings

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "vi" / "LC_MESSAGES"


def test_vietnamese_catalogue_is_complete():
    po = polib.pofile(str(CATALOGUE / "django.po"))
    assert len(po) > 100
    untranslated = [e.msgid for e in po if not _translation(e) or not all(_translation(e)) or e.fuzzy or e.obsolete]
    assert untranslated == []


def test_compiled_catalogue_matches_the_source():
    po = {e.msgid: _translation(e) for e in polib.pofile(str(CATALOGUE / "django.po")) if e.msgid}
    mo = {e.msgid: _translation(e) for e in polib.mofile(str(CATALOGUE / "django.mo")) if e.msgid}
    assert mo == po, "run: msgfmt -o locale/vi/LC_MESSAGES/django.mo locale/vi/LC_MESSAGES/django.po"


def _translation(entry) -> tuple[str, ...]:
    """Return the translated text(s) of an entry: its msgstr, or each plural form's."""
    if entry.msgid_plural:
        return tuple(text for _form, text in sorted(entry.msgstr_plural.items()))
    return (entry.msgstr,) if entry.msgstr else ()
