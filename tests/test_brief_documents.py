"""The Word and PDF briefs as a reader gets them: rendered to pages, measured, kept as PNGs.

The demo brief for 10 December 2026 (long tables, both charts) is written in Dutch and in
English as .docx and .pdf. LibreOffice turns the .docx into a PDF the way a reader's
screen would show it, ``pdftoppm`` turns every page into a PNG in ``test-output/briefs/``
(for a person to look at), and the tests measure what a coordinator would otherwise
notice: the paper size, page numbers on every page, the agenda on page 1, the file's
author and title, charts within the margins with alt text, and table headers repeated on
the pages a table runs onto.

Needs Chromium (charts), LibreOffice Writer (``soffice``), poppler (``pdftoppm``) and
DejaVu Sans: skipped on a laptop without them, a failure in CI. One test per language,
each rendering its own files, so that ``pytest -n 2`` runs the two side by side and never
renders the same brief twice.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from lxml import etree

from cop.core import i18n
from cop.data import storage
from cop.meetings import briefs, charts, layout, pdf, word
from tests.conftest import ROOT, require

OUT = ROOT / "test-output" / "briefs"
A4 = (595.28, 841.89)  # points
MARGIN_PT = 2.0 / 2.54 * 72  # 2 cm, both writers
LANGS = ("nl", "en")
KINDS = ("pdf", "docx")  # docx: as LibreOffice renders it
AGENDA = {"nl": "Voorstel voor de agenda", "en": "Proposed agenda"}
WP = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
EMU_PER_CM = 360_000


def _render(lang: str, demo_db_file: Path, work: Path) -> tuple[layout.Document, dict]:
    """The document, its .docx and .pdf, and the PDF of each as a reader sees it (PNGs kept)."""
    require(shutil.which("chromium") is not None, "Chromium is not installed")
    require(shutil.which("soffice") is not None, "LibreOffice (libreoffice-writer) is missing")
    require(shutil.which("pdftoppm") is not None, "pdftoppm (poppler-utils) is missing")
    require(pdf.find_font() is not None, "DejaVu Sans (fonts-dejavu-core) is missing")
    engine = storage.make_engine(f"sqlite:///{demo_db_file}")
    frames = [storage.read_table(engine, name) for name in briefs.BRIEF_TABLES]
    engine.dispose()
    doc = layout.document(briefs.build_brief(*frames, date="2026-12-10", lang=lang, demo=True))
    doc.sections.append(_long_table_section())
    images = charts.chart_images({c.name: c.figure for c in doc.charts()})
    assert set(images) == {c.name for c in doc.charts()}, "every chart became an image"

    files = {"pdf": pdf.to_pdf(doc, lang, images), "docx": word.to_docx(doc, lang, images)}
    for kind, data in files.items():
        (work / f"brief-{lang}.{kind}").write_bytes(data)
    profile = (work / "lo-profile").as_uri()  # its own profile: runs beside any other soffice
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(work / "docx"),
            str(work / f"brief-{lang}.docx"),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    seen = {"pdf": files["pdf"], "docx": (work / "docx" / f"brief-{lang}.pdf").read_bytes()}
    pngs = {}
    OUT.mkdir(parents=True, exist_ok=True)
    for kind, data in seen.items():
        source = work / f"seen-{kind}.pdf"
        source.write_bytes(data)
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", str(source), str(work / f"{lang}-{kind}")],
            check=True,
            capture_output=True,
            timeout=60,
        )
        pngs[kind] = sorted(work.glob(f"{lang}-{kind}-*.png"))
        for old in OUT.glob(f"{lang}-{kind}-*.png"):
            old.unlink()
        for png in pngs[kind]:  # pdftoppm pads page numbers: nl-pdf-1.png or nl-pdf-01.png
            shutil.copy(png, OUT / f"{lang}-{kind}-{int(png.stem.rsplit('-', 1)[1])}.png")
    shutil.copy(work / f"brief-{lang}.pdf", OUT / f"brief-{lang}.pdf")
    shutil.copy(work / f"brief-{lang}.docx", OUT / f"brief-{lang}.docx")
    shutil.copy(work / "docx" / f"brief-{lang}.pdf", OUT / f"brief-{lang}.docx.pdf")
    return doc, {"files": files, "seen": seen, "pngs": pngs}


def _reader(data: bytes):
    from pypdf import PdfReader

    return PdfReader(io.BytesIO(data))


def _images_placed(page) -> list[tuple[float, float, float, float]]:
    """(left, bottom, right, top) in points of every image drawn on ``page``."""
    from pypdf.generic import ContentStream

    xobjects = page["/Resources"].get("/XObject", {})
    stream = ContentStream(page.get_contents(), page.pdf)
    ctm, stack, found = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0], [], []
    for operands, operator in stream.operations:
        if operator == b"q":
            stack.append(ctm)
        elif operator == b"Q":
            ctm = stack.pop()
        elif operator == b"cm":
            a, b, c, d, e, f = (float(v) for v in operands)
            A, B, C, D, E, F = ctm
            ctm = [
                a * A + b * C,
                a * B + b * D,
                c * A + d * C,
                c * B + d * D,
                e * A + f * C + E,
                e * B + f * D + F,
            ]
        elif operator == b"Do" and operands[0] in xobjects:
            if xobjects[operands[0]].get_object().get("/Subtype") != "/Image":
                continue
            xs = [ctm[4], ctm[4] + ctm[0], ctm[4] + ctm[2], ctm[4] + ctm[0] + ctm[2]]
            ys = [ctm[5], ctm[5] + ctm[1], ctm[5] + ctm[3], ctm[5] + ctm[1] + ctm[3]]
            found.append((min(xs), min(ys), max(xs), max(ys)))
    return found


@pytest.mark.parametrize("lang", LANGS)
def test_briefs_are_documents_to_forward(lang, demo_db_file, tmp_path):
    doc, out = _render(lang, demo_db_file, tmp_path)
    for kind in KINDS:
        reader = _reader(out["seen"][kind])
        assert len(out["pngs"][kind]) == len(reader.pages), kind
        _pages_are_a4_numbered_and_start_with_the_agenda(doc, reader, lang, kind)
        _charts_fit_the_text_width(doc, reader, kind)
        _table_headers_repeat(reader, kind)
    _files_carry_title_author_subject_language_and_date(doc, out, lang)
    _every_chart_image_has_alt_text(doc, out["files"])
    _word_tables_repeat_their_header_and_fit_the_width(doc, out["files"]["docx"])


def _pages_are_a4_numbered_and_start_with_the_agenda(doc, reader, lang: str, kind: str) -> None:
    pages = len(reader.pages)
    assert pages > 1, kind
    for page in reader.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert abs(width - A4[0]) < 1 and abs(height - A4[1]) < 1, (kind, width, height)
    texts = [" ".join(page.extract_text().split()) for page in reader.pages]
    for number, text in enumerate(texts, start=1):
        assert doc.page_label(str(number), str(pages)) in text, (kind, number, text[-200:])
    first = texts[0]
    assert doc.title.split()[0] in first and doc.date_text in first, kind
    assert AGENDA[lang] in first, kind
    agenda = next(s for s in doc.sections if s.heading == AGENDA[lang]).blocks[1]
    last_item = " ".join(agenda.items[-1].split()[:3])
    assert last_item in first, (kind, "the whole agenda on page 1, not a cover page")


def _charts_fit_the_text_width(doc, reader, kind: str) -> None:
    placed = [box for page in reader.pages for box in _images_placed(page)]
    assert len(placed) == len(doc.charts()), kind
    text_width = A4[0] - 2 * MARGIN_PT
    for left, _bottom, right, _top in placed:
        assert left >= MARGIN_PT - 2 and right <= A4[0] - MARGIN_PT + 2, (kind, left, right)
        assert right - left > text_width * 0.8, (kind, "sized for the page, not a stamp")


LONG_ROWS = 70


def _long_table_section() -> layout.Section:
    """A table long enough to break across pages whatever the demo data holds."""
    frame = pd.DataFrame(
        {
            "Kolomkop lang": [f"rijwaarde-{i}" for i in range(LONG_ROWS)],
            "Tweede kolom": [f"tekst {i} " * 3 for i in range(LONG_ROWS)],
        }
    )
    return layout.Section("Lange tabel", blocks=[layout.TableBlock("long", frame, limit=None)])


def _table_headers_repeat(reader, kind: str) -> None:
    pages = [" ".join(page.extract_text().split()) for page in reader.pages]
    table_pages = [text for text in pages if "rijwaarde-" in text]
    assert len(table_pages) >= 2, (kind, "a 70-row table runs over a page break")
    for text in table_pages:
        assert "Kolomkop lang" in text, (kind, "the header row again on every page")
    shown = {
        int(w.split("-")[1]) for t in table_pages for w in t.split() if w.startswith("rijwaarde-")
    }
    assert shown == set(range(LONG_ROWS)), (kind, "no row lost at a page break")


def _files_carry_title_author_subject_language_and_date(doc, out: dict, lang: str) -> None:
    from docx import Document

    author = i18n.t("briefs.author", lang)
    assert "Community of Practice" in author and "Deltaplan" in author
    reader = _reader(out["files"]["pdf"])
    meta = reader.metadata
    assert (meta.title, meta.author, meta.subject) == (doc.title, author, doc.subject)
    assert meta.creation_date is not None
    assert reader.trailer["/Root"]["/Lang"] == lang
    props = Document(io.BytesIO(out["files"]["docx"])).core_properties
    assert (props.title, props.author, props.subject) == (doc.title, author, doc.subject)
    assert props.language == word.LANGUAGE_TAGS[lang] and props.created.year >= 2025
    assert props.last_modified_by == author  # not "python-docx"
    converted = _reader(out["seen"]["docx"]).metadata
    assert converted.author == author and converted.title == doc.title


def _every_chart_image_has_alt_text(doc, files: dict) -> None:
    descriptions = {c.description for c in doc.charts()}
    assert all(len(d) > 80 for d in descriptions)  # sentences with the numbers, not a title
    with zipfile.ZipFile(io.BytesIO(files["docx"])) as package:
        body = etree.fromstring(package.read("word/document.xml"))
        footers = "".join(
            package.read(name).decode()
            for name in package.namelist()
            if name.startswith("word/footer")
        )
    shapes = body.findall(f".//{{{WP}}}inline") + body.findall(f".//{{{WP}}}anchor")
    assert len(shapes) == len(doc.charts())
    for shape in shapes:
        assert shape.find(f"{{{WP}}}docPr").get("descr") in descriptions
        assert int(shape.find(f"{{{WP}}}extent").get("cx")) <= 17 * EMU_PER_CM
    assert footers.count(" NUMPAGES ") == 2 and footers.count(" PAGE ") == 2  # page 1, others
    alts, stack = [], [_reader(files["pdf"]).trailer["/Root"]["/StructTreeRoot"]]
    while stack:
        kids = stack.pop().get("/K", [])
        for kid in kids if isinstance(kids, list) else [kids]:
            kid = kid.get_object()
            if hasattr(kid, "get"):
                if "/Alt" in kid:
                    alts.append(str(kid["/Alt"]))
                stack.append(kid)
    assert sorted(alts) == sorted(descriptions)


def _word_tables_repeat_their_header_and_fit_the_width(doc, data: bytes) -> None:
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Length

    word_doc = Document(io.BytesIO(data))
    section = word_doc.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    assert round(section.left_margin.cm, 1) == round(section.right_margin.cm, 1) == 2.0
    text_width = Length(section.page_width - section.left_margin - section.right_margin)
    assert len(word_doc.tables) == len(doc.tables()) - len(doc.charts())  # charts are images
    for table in word_doc.tables:
        header = table.rows[0]._tr.trPr
        assert header is not None and header.find(qn("w:tblHeader")) is not None
        grid = table._tbl.tblGrid.findall(qn("w:gridCol"))
        assert sum(int(col.get(qn("w:w"))) for col in grid) <= text_width.twips + 5


def test_a_brief_on_every_theme_in_english_keeps_its_word_keywords(demo_db_file):
    """All 14 themes in English make keywords longer than Word's 255 characters: the
    document is still written, with the keywords cut at a separator."""
    from docx import Document as WordFile

    from cop.core import vocab

    engine = storage.make_engine(f"sqlite:///{demo_db_file}")
    frames = [storage.read_table(engine, name) for name in briefs.BRIEF_TABLES]
    engine.dispose()
    brief = briefs.build_brief(
        *frames, date="2026-12-10", lang="en", demo=True, themes=list(vocab.THEMES)
    )
    doc = layout.document(brief)
    assert len(doc.keywords) > word.PROPERTY_MAX  # the case that failed
    props = WordFile(io.BytesIO(word.to_docx(doc, "en", {}))).core_properties
    assert 0 < len(props.keywords) <= word.PROPERTY_MAX
    assert props.keywords.endswith("…") and doc.keywords.startswith(props.keywords[:-1])
