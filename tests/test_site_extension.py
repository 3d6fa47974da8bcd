"""The site's Sphinx extension (book/_ext/tfbook_site.py): the language switch and search box."""

import re
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "book" / "_ext"))
import tfbook_site  # noqa: E402


@pytest.mark.parametrize(
    ("pagename", "edition", "uri"),
    [
        ("book/intro", "en", "../zh/book/intro.html"),
        ("chapters/layers", "zh", "../../chapters/layers.html"),
        ("search", "en", "zh/search.html"),
        ("search", "zh", "../search.html"),
        ("book/api/tfbook.data", "zh", "../../../book/api/tfbook.data.html"),
    ],
)
def test_the_switch_leads_to_the_same_page_of_the_other_edition(pagename, edition, uri):
    assert tfbook_site.other_edition_uri(pagename, edition) == uri


def test_an_unknown_edition_is_rejected():
    with pytest.raises(ValueError, match="tfbook_edition=.fr."):
        tfbook_site.other_edition_uri("book/intro", "fr")


@pytest.mark.parametrize(("edition", "chinese"), [("en", False), ("zh", True)])
def test_the_search_box_speaks_the_edition_language(edition, chinese):
    config = SimpleNamespace(tfbook_edition=edition, html_theme_options={"search_bar_text": "x"})
    tfbook_site._set_search_bar_text(None, config)
    text = config.html_theme_options["search_bar_text"]
    assert bool(re.search(r"[\u4e00-\u9fff]", text)) is chinese


def test_the_search_box_rejects_an_unknown_edition():
    config = SimpleNamespace(tfbook_edition="fr", html_theme_options={})
    with pytest.raises(ValueError, match="tfbook_edition=.fr."):
        tfbook_site._set_search_bar_text(None, config)


def test_chinese_search_terms_are_those_of_sphinx(monkeypatch):
    from sphinx.search.zh import SearchChinese

    # Sphinx's class keeps its Latin terms in a list shared by its instances.
    monkeypatch.setattr(SearchChinese, "latin_terms", [])
    texts = [
        "反向传播 backpropagation 的 API",
        "过拟合 overfitting: API, ReLU, is",
        "早停 EarlyStopping API, IDs",
    ]
    sphinx_zh, ours = SearchChinese({}), tfbook_site.SearchChineseTermSet({})
    # A Latin word the stemmer would cut below 3 letters is kept whole once split.
    assert ours.stem("IDs") == sphinx_zh.stem("IDs") == "id"
    for text in texts:
        words = sphinx_zh.split(text)
        assert ours.split(text) == words
        assert [ours.stem(w) for w in words] == [sphinx_zh.stem(w) for w in words]
    assert ours.stem("IDs") == sphinx_zh.stem("IDs") == "ids"
    assert isinstance(ours.latin_terms, set)
