"""Sphinx extension of the book's PDF edition (the LaTeX builder only).

``python -m tfbook.pdf`` (``make pdf``) adds it to the site's configuration
for one ``jupyter-book build --builder latex``; the site never loads it. It
runs after sphinx-jupyterbook-latex, which Jupyter Book loads for LaTeX
builds, and changes what that extension sets:

* the LaTeX theme ``tfbookpdf`` (``book/_ext/latex/tfbookpdf``): Sphinx's manual
  class on A4 with the two cell environments, instead of ``jupyterBook.cls``,
  which needs TeX Live's 1.4 GB font collection for one package (bbm);
* fonts that XeLaTeX embeds: TeX Gyre Pagella for text, DejaVu Sans Mono for
  code (it has the box-drawing characters of Keras' model summaries), and
  Noto CJK SC for Chinese through xeCJK, instead of the ``ucharclasses``
  switching that sphinx-jupyterbook-latex adds (it fights with xeCJK);
* code and outputs wrap at the margin, breaking a long word if they must
  (Sphinx's ``verbatimforcewraps``), so that nothing runs off the page;
* ANSI colour codes are stripped from outputs (a raw escape byte is an
  error in LaTeX) and such outputs are typeset as plain text;
* the landing page's "Contents" section, which only holds the site's
  table of contents, is dropped: the PDF has its own, with page numbers.
"""

from __future__ import annotations

import re
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.builders.latex import LaTeXBuilder
from sphinx.config import Config
from sphinx.transforms import SphinxTransform
from sphinx.transforms.post_transforms import SphinxPostTransform

#: Folder of the LaTeX theme ``tfbookpdf``.
LATEX_THEMES = Path(__file__).resolve().parent / "latex"
THEME = "tfbookpdf"

#: Fonts by family name (fontconfig); ``scripts/get-pdf-tools.sh`` installs them.
MAIN_FONT = "TeX Gyre Pagella"
SANS_FONT = "TeX Gyre Heros"
MONO_FONT = "DejaVu Sans Mono"
CJK_MAIN_FONT = "Noto Serif CJK SC"
CJK_SANS_FONT = "Noto Sans CJK SC"
CJK_MONO_FONT = "Noto Sans Mono CJK SC"

FONTPKG = rf"""
\setmainfont{{{MAIN_FONT}}}
\setsansfont{{{SANS_FONT}}}
\setmonofont{{{MONO_FONT}}}[Scale=MatchLowercase]
\usepackage{{xeCJK}}
\setCJKmainfont{{{CJK_MAIN_FONT}}}[AutoFakeSlant]
\setCJKsansfont{{{CJK_SANS_FONT}}}[AutoFakeSlant]
\setCJKmonofont{{{CJK_MONO_FONT}}}[AutoFakeSlant]
% Quotes, dashes and the ellipsis belong to the Latin text around them: xeCJK
% would set them in the CJK font with full-width spacing (the book's ’).
\xeCJKDeclareCharClass{{Default}}{{"2018, "2019, "201C, "201D, "2013, "2014, "2026}}
% Characters that the Latin fonts lack come from the CJK font.
\xeCJKDeclareCharClass{{CJK}}{{"226A, "226B}}
"""

#: Chapter labels of the Chinese edition: fncychap's Sonny style writes
#: ``\chaptername`` or ``\appendixname`` and the number ("CHAPTER 1",
#: "APPENDIX C"); Chinese puts the number inside: 第 1 章, 附录 C.
ZH_CHAPTER_LABELS = r"""
\makeatletter
\newcommand{\tfbook@chapterlabel}{第\space\CNoV\thechapter\space\CNV 章}
\g@addto@macro\appendix{\renewcommand{\tfbook@chapterlabel}{附录\space\CNoV\thechapter}}
\renewcommand{\DOCH}{\raggedleft\CNV\tfbook@chapterlabel\par\nobreak\vskip 40\p@}
\makeatother
"""

#: The PDF's own words, by the language of the edition (Sphinx's ``language``),
#: and what the preamble adds for it (``labels``).
WORDS = {"en": {"contents": "Contents", "intro": "About this book", "labels": ""},
         "zh": {"contents": "目录", "intro": "关于本书", "labels": ZH_CHAPTER_LABELS}}


def words(language: str | None) -> dict[str, str]:
    """The PDF's own words for ``language`` (``zh_CN`` gives Chinese, anything else English).

    Example:
        >>> words("zh_CN")["contents"], words(None)["contents"]
        ('目录', 'Contents')
    """
    return WORDS["zh"] if (language or "").startswith("zh") else WORDS["en"]


#: The page numbers a PDF reader shows (/PageLabels: i, ii... for the contents,
#: then 1, 2...) written on the page where the numbering changes, from this
#: XeLaTeX run. hyperref writes them for the next run to read from the .aux;
#: the contents, typeset from the second run on, move the page where 1 falls,
#: and that took a third run of about 12 s. The hooks are hyperref's own (TeX
#: Live 2022, Debian 12): its XeTeX driver's ``\HyPL@StorePageLabel``, called
#: as a page is shipped out, and ``\Hy@EveryPageBoxHook``, whose material goes
#: onto that page. With no labels in the .aux, hyperref would log "Rerun to
#: get /PageLabels entry" on every run: ``0<</S/D>>`` is the list it takes for
#: "nothing to write". (Labels left in an old .aux are still written, at the
#: start; the ones written later replace them.) latexmk is told to ignore the
#: page count in the .aux too (:data:`tfbook.pdf.LATEXMK_IGNORE_PAGE_COUNT`).
#: The kernel reads it to find the last page for the hook ``shipout/lastpage``
#: and its own code beside it, and for ``\PreviousTotalPages``; no package of
#: the book uses these (acro and pdfmanagement would), and code put on that
#: hook stops the build with an error. The text, the images and the labels
#: are those of three runs (compared with pdftotext, pdftoppm and the PDF's
#: catalog).
PAGE_LABELS = r"""
\makeatletter
\gdef\tfbook@pagelabels{}
\global\let\tfbook@pagelabels@new\@empty
\def\HyPL@StorePageLabel#1{%
  \xdef\tfbook@pagelabels{\tfbook@pagelabels\the\Hy@abspage<<#1>>}%
  \global\let\tfbook@pagelabels@new\relax}
\g@addto@macro\Hy@EveryPageBoxHook{%
  \ifx\tfbook@pagelabels@new\relax
    \Hy@PutCatalog{/PageLabels<</Nums[\tfbook@pagelabels]>>}%
    \global\let\tfbook@pagelabels@new\@empty
  \fi}
\def\HyPL@Labels{0<</S/D>>}
\AddToHook{enddocument/afterlastpage}{%
  \IfHookEmptyTF{shipout/lastpage}%
    {\ifx\@kernel@after@shipout@lastpage\@empty\else\tfbook@lastpage@error\fi}%
    {\tfbook@lastpage@error}}
\def\tfbook@lastpage@error{%
  \PackageError{tfbook}{Code for the last page (shipout/lastpage) is in use,
    and latexmk ignores the page count that places it
    (tfbook.pdf.LATEXMK_IGNORE_PAGE_COUNT)}{%
    See PAGE_LABELS in book/_ext/tfbook_pdf.py.}}
\makeatother
"""

PREAMBLE = r"""
\usepackage{unicode-math}
\setmathfont{Latin Modern Math}
% The site's first toc caption must not become the title of the contents.
\addto\captionsenglish{\renewcommand{\contentsname}{CONTENTS}}
\hypersetup{pdfencoding=auto, psdextra}
% Long URLs in the references may break at any character.
\Urlmuskip=0mu plus 1mu
""" + PAGE_LABELS

#: The landing page has no title of its own in LaTeX (the book's title is on
#: the title page): it gets one (INTRO), in the contents and the bookmarks.
TABLEOFCONTENTS = r"""\sphinxtableofcontents
\clearpage\phantomsection\addcontentsline{toc}{chapter}{INTRO}
\chapter*{INTRO}\markboth{INTRO}{INTRO}
"""

#: Sphinx's options for the look of code: wrap, and break inside words if needed.
SPHINXSETUP = ",".join(
    [
        "hmargin={2cm,2cm}",
        "vmargin={2.2cm,2.2cm}",
        "verbatimwrapslines=true",
        "verbatimforcewraps=true",
        "verbatimmaxoverfull=1",
        "verbatimmaxunderfull=0",
        "verbatimhintsturnover=false",
        # No icons in admonition titles: fontawesome5 comes only with TeX Live's
        # 1.4 GB font collection, and the PDF must not depend on it being there.
        "iconpackage=none",
        "VerbatimColor={RGB}{245,245,245}",
        "VerbatimBorderColor={RGB}{204,204,204}",
    ]
)

#: An ANSI escape sequence (colours, cursor moves).
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-Z\\-_]")


def strip_ansi(text: str) -> str:
    """``text`` without ANSI escape sequences.

    Example:
        >>> strip_ansi("\\x1b[31mValueError\\x1b[0m: bad")
        'ValueError: bad'
    """
    return ANSI_ESCAPE.sub("", text)


def configure_latex(app: Sphinx, config: Config) -> None:
    """``config-inited``, after sphinx-jupyterbook-latex's own handler."""
    config.latex_engine = "xelatex"
    config.latex_theme = THEME
    config.latex_theme_path = [str(LATEX_THEMES)]
    config.latex_additional_files = [str(LATEX_THEMES / THEME / f"{THEME}.cls")]
    # Only PNG figures: no ImageMagick converter needed.
    config.jblatex_load_imgconverter = False
    # The site's {tableofcontents} lists are not repeated in the PDF.
    config.jblatex_show_tocs = False
    config.latex_use_xindy = False
    elements = dict(config.latex_elements)
    language = words(config.language)
    preamble = re.sub(
        r"% Start of preamble defined in sphinx-jupyterbook-latex %.*?"
        r"% End of preamble defined in sphinx-jupyterbook-latex %",
        "",
        elements.get("preamble", ""),
        flags=re.S,
    )
    elements.update(
        fontpkg=FONTPKG,
        preamble=preamble + PREAMBLE.replace("CONTENTS", language["contents"]) + language["labels"],
        sphinxsetup=SPHINXSETUP,
        fvset=r"\fvset{fontsize=\footnotesize}",
        printindex="",
        tableofcontents=TABLEOFCONTENTS.replace("INTRO", language["intro"]),
    )
    config.latex_elements = elements


class DropRootContents(SphinxTransform):
    """Remove the landing page's "Contents" section from the LaTeX build."""

    # Before sphinx-jupyterbook-latex turns the landing page's sections into
    # plain headings (LatexRootDocTransforms, priority 500).
    default_priority = 490

    def apply(self, **kwargs) -> None:
        if not isinstance(self.app.builder, LaTeXBuilder):
            return
        if self.env.docname != self.config.root_doc:
            return
        for section in list(self.document.findall(nodes.section)):
            if "contents" in section["ids"]:
                # sphinx-external-toc put the (hidden) toctrees that define the
                # book's order and its parts here, each in a "toctree-wrapper":
                # they stay, in place of the section.
                wrappers = [
                    node
                    for node in section.findall(nodes.compound)
                    if "toctree-wrapper" in node["classes"]
                ]
                for node in wrappers:
                    node.parent.remove(node)
                section.replace_self(wrappers)


class StripAnsi(SphinxPostTransform):
    """Outputs without ANSI escape codes, typeset as plain text."""

    builders = ("latex",)
    default_priority = 5

    def run(self, **kwargs) -> None:
        for block in self.document.findall(nodes.literal_block):
            text = block.astext()
            if ANSI_ESCAPE.search(text):
                block.children = [nodes.Text(strip_ansi(text))]
                block["language"] = "text"


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", configure_latex, priority=900)
    app.add_transform(DropRootContents)
    app.add_post_transform(StripAnsi)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
