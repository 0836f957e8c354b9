"""What the browser tests found, held by fast page tests: an unknown address, the language buttons."""

from __future__ import annotations

import re
import unicodedata

import pytest


@pytest.mark.parametrize("path", ["/favicon.ico", "/no/such/page/", "/office/no-such/"])
def test_an_unknown_address_is_the_404_page_not_an_error(client, db, path):
    # The base template read the resolver's url_name in a filter argument: with no match it raised (a 500).
    r = client.get(path)
    assert r.status_code == 404
    page = r.content.decode()
    assert '<html lang="vi">' in page and "<h1>Không tìm thấy trang</h1>" in page
    assert 'href="#main"' in page and '<main id="main"' in page


@pytest.mark.parametrize("language", ["vi", "en", "bn"])
def test_language_buttons_name_each_language_in_itself_composed(client, db, language):
    client.post("/i18n/setlang/", {"language": language, "next": "/"})
    page = client.get("/").content.decode()
    assert f'<html lang="{language}">' in page
    buttons = dict(re.findall(r'<button type="submit" name="language" value="(\w+)" lang="\w+"[^>]*>([^<]+)</button>', page))
    assert buttons == {"vi": "Tiếng Việt", "en": "English", "bn": "বাংলা"}
    # Django's own name for Vietnamese is decomposed (NFD): screen readers and search read it badly.
    assert all(unicodedata.is_normalized("NFC", name) for name in buttons.values())
    assert re.search(rf'value="{language}" lang="{language}" aria-current="true"', page)
