"""Sphinx extension of the site: the offline editions, served and linked.

The site serves the book's two offline editions (``tfbook.pdf``) from its
``_downloads/`` folder:

* the notebooks bundle, a zip of every chapter notebook with its outputs,
  which every site build writes (:func:`tfbook.pdf.build_bundle`, well under
  a second);
* the PDF of the whole book, which ``make pdf`` builds (it needs LaTeX): the
  site copies it when ``_build/pdf`` holds one, and otherwise does without.

Every page's download menu gets two entries, "Book (.pdf)" and "Notebooks
(.zip)", and the directive ``offline-downloads`` writes a paragraph with
both links (the landing page uses it). A link is made only to a file the
build writes, so a site built without the PDF has no dead link to it. In the
PDF itself (any builder other than HTML) the directive says where to find
the two editions instead.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective
from sphinx.util.osutil import relative_uri

logger = logging.getLogger(__name__)

#: Folder of the site that serves the editions.
DOWNLOADS = "_downloads"

#: What the extension writes, in each edition's language (``tfbook_edition``,
#: set by ``tfbook.i18n`` for the Chinese edition; English by default).
TEXT = {
    "en": {
        "pdf_button": "Book (.pdf)", "pdf_tooltip": "Download the whole book as a PDF",
        "nb_button": "Notebooks (.zip)", "nb_tooltip": "Download every chapter notebook",
        "print_button": "Print page (.pdf)",
        "elsewhere": ("The book’s site serves this book as a PDF and every chapter notebook, "
                      "with its outputs, as one zip; every page’s download menu links both."),
        "download": "Download ", "pdf_link": "the whole book as a PDF",
        "or": " to read anywhere, or ", "nb_link": "every chapter notebook with its outputs",
        "zip_with": " (a zip with ",
        "zip_rest": (", the book’s package and a README that says how to run them). Every "
                     "page’s download menu (the arrow at the top) links "),
        "both": "both.", "only_nb": "the notebooks; ", "builds_pdf": " builds the PDF.",
    },
    "zh": {
        "pdf_button": "全书（.pdf）", "pdf_tooltip": "下载全书的 PDF",
        "nb_button": "notebook 合集（.zip）", "nb_tooltip": "下载每一章的 notebook",
        "print_button": "打印本页（.pdf）",
        "elsewhere": ("本书网站提供全书的 PDF，以及打包成一个 zip 的各章 notebook（含输出）；"
                      "每页的下载菜单都链接了这两者。"),
        "download": "下载", "pdf_link": "全书的 PDF",
        "or": "，随处阅读；或者下载", "nb_link": "每一章的 notebook（含输出）",
        "zip_with": "（一个 zip，内含 ",
        "zip_rest": "、本书的软件包和一份说明如何运行它们的 README）。每页的下载菜单（顶部的箭头）",
        "both": "都链接了这两者。", "only_nb": "链接了这些 notebook；", "builds_pdf": " 可生成 PDF。",
    },
}


def _text(app: Sphinx) -> dict[str, str]:
    """The strings of this build's edition."""
    edition = getattr(app.config, "tfbook_edition", "en")
    if edition not in TEXT:
        raise ValueError(f"Expected `tfbook_edition` to be one of {sorted(TEXT)}. "
                         f"Received: tfbook_edition={edition!r}")
    return TEXT[edition]


def _editions(app: Sphinx) -> dict[str, Path]:
    """The editions this build serves: ``{"pdf": source, "notebooks": target}``."""
    return getattr(app.env, "tfbook_offline_editions", {})


def _find_editions(app: Sphinx) -> None:
    """``builder-inited``: which editions this HTML build will serve."""
    from tfbook import pdf

    editions: dict[str, Path] = {}
    if app.builder.format == "html":
        root = Path(app.srcdir)
        editions["notebooks"] = pdf.bundle_path(root)
        if pdf.pdf_path(root).is_file():
            editions["pdf"] = pdf.pdf_path(root)
        else:
            logger.info("tfbook_offline: no PDF in %s; run `make pdf` to serve one", pdf.OUTPUT_DIR)
    app.env.tfbook_offline_editions = editions


def _write_editions(app: Sphinx, exception) -> None:
    """``build-finished``: write the bundle and copy the editions into the site."""
    editions = _editions(app)
    if exception is not None or not editions:
        return
    from tfbook import pdf

    target = Path(app.outdir) / DOWNLOADS
    target.mkdir(parents=True, exist_ok=True)
    bundle = pdf.build_bundle(Path(app.srcdir))
    shutil.copyfile(bundle, target / bundle.name)
    if "pdf" in editions:
        shutil.copyfile(editions["pdf"], target / editions["pdf"].name)


def _uri(app: Sphinx, pagename: str, path: Path) -> str:
    """The address of ``_downloads/<path.name>`` relative to page ``pagename``."""
    return relative_uri(app.builder.get_target_uri(pagename), f"{DOWNLOADS}/{path.name}")


def _add_download_buttons(app, pagename, templatename, context, doctree) -> None:
    """``html-page-context``, after sphinx-book-theme made its download menu (priority 501)."""
    editions = _editions(app)
    text = _text(app)
    buttons = [
        ("pdf", text["pdf_button"], text["pdf_tooltip"], "fas fa-book"),
        ("notebooks", text["nb_button"], text["nb_tooltip"], "fas fa-file-archive"),
    ]
    for group in context.get("header_buttons", []):
        if group.get("label") != "download-buttons":
            continue
        for button in group["buttons"]:
            # The theme's ".pdf" prints this page: say so, next to the book's PDF.
            if button.get("label") == "download-pdf-button":
                button["text"] = text["print_button"]
        for key, text, tooltip, icon in buttons:
            if key in editions:
                group["buttons"].append(
                    {
                        "type": "link",
                        "url": _uri(app, pagename, editions[key]),
                        "text": text,
                        "tooltip": tooltip,
                        "icon": icon,
                        "label": f"download-book-{key}-button",
                    }
                )


class offline_downloads(nodes.General, nodes.Element):
    """Where the directive's paragraph goes; :class:`ResolveOfflineDownloads` fills it."""


class OfflineDownloads(SphinxDirective):
    """``offline-downloads``: a paragraph linking the PDF and the notebooks bundle."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        return [offline_downloads()]


class ResolveOfflineDownloads(SphinxPostTransform):
    """Turn each ``offline_downloads`` node into text with links (HTML) or without."""

    default_priority = 10

    def run(self, **kwargs) -> None:
        editions = _editions(self.app)
        for node in list(self.document.findall(offline_downloads)):
            node.replace_self(self._paragraph(editions))

    def _link(self, text: str, path: Path) -> nodes.reference:
        uri = _uri(self.app, self.env.docname, path)
        return nodes.reference("", "", nodes.strong(text=text), refuri=uri, internal=False)

    def _paragraph(self, editions: dict[str, Path]) -> nodes.paragraph:
        text = _text(self.app)
        para = nodes.paragraph()
        if not editions:  # the PDF itself, or another non-HTML build
            para += nodes.Text(text["elsewhere"])
            return para
        para += nodes.Text(text["download"])
        if "pdf" in editions:
            para += self._link(text["pdf_link"], editions["pdf"])
            para += nodes.Text(text["or"])
        para += self._link(text["nb_link"], editions["notebooks"])
        para += nodes.Text(text["zip_with"])
        para += nodes.literal(text="requirements.txt")
        para += nodes.Text(text["zip_rest"])
        if "pdf" in editions:
            para += nodes.Text(text["both"])
        else:
            para += nodes.Text(text["only_nb"])
            para += nodes.literal(text="make pdf")
            para += nodes.Text(text["builds_pdf"])
        return para


def setup(app: Sphinx) -> dict:
    app.add_node(offline_downloads)
    app.add_directive("offline-downloads", OfflineDownloads)
    app.add_post_transform(ResolveOfflineDownloads)
    app.connect("builder-inited", _find_editions)
    app.connect("html-page-context", _add_download_buttons, priority=502)
    app.connect("build-finished", _write_editions)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
