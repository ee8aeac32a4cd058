"""PDF: the text layer (pypdf), tables drawn with ruling lines (pdfplumber), and OCR for pages without text."""

from __future__ import annotations

import io
import logging
from pathlib import Path

from .extracted import Extracted, Unreadable
from .limits import ReadLimits

UNMAPPED = "(cid:"
BLANK_LEVEL = 200  # a page whose darkest pixel is lighter than this holds no text
OCR_SCALE = 2.0  # 144 dpi: small print of a scanned A4 page stays legible to the recogniser


def read_pdf(path: Path, limits: ReadLimits) -> Extracted:
    """Every page in order; layout-wrapped lines are joined again, tables become tables."""
    data = path.read_bytes()
    reader = _open(data)
    try:
        pages = [page.extract_text() or "" for page in reader.pages]
    except Exception as err:
        raise Unreadable("PDF 文件已损坏") from err
    out, lines = Extracted(), []
    blank = [k for k, page in enumerate(pages) if not page.strip()]
    scanned = _ocr_pages(data, blank, path.name) if blank else {}
    with_tables = _table_pages(data, [k for k in range(len(pages)) if k not in scanned])
    for k, page in enumerate(pages):
        if k in scanned:
            lines.extend(scanned[k])
            if scanned[k]:
                out.warnings.append(f"第{k + 1}页为扫描件,已OCR识别")
        elif k in with_tables:
            for block in with_tables[k]:
                if isinstance(block, str):
                    lines.append(block)
                else:
                    out.add_table(block, lines=lines)
        else:
            lines.extend(page.splitlines())
    if not any(line.strip() for line in lines) and not out.tables:
        raise Unreadable("PDF 没有文字层,OCR 也未识别出文字(可能是空白页)")
    from ..clean import join_wrapped_lines

    out.lines = join_wrapped_lines(lines).split("\n")
    return out


def _open(data: bytes):
    if b"%PDF-" not in data[:1024]:
        raise Unreadable("不是有效的 PDF 文件")
    if b"%%EOF" not in data[-2048:]:
        raise Unreadable("PDF 文件不完整(可能已截断)")
    from pypdf import PasswordType, PdfReader

    # pypdf raises many kinds of errors on damaged files: any of them means "broken".
    try:
        reader = PdfReader(io.BytesIO(data))
        locked = reader.is_encrypted
    except Exception as err:
        raise Unreadable("PDF 文件已损坏") from err
    if locked and not _opens_without_password(reader, PasswordType.NOT_DECRYPTED):
        raise Unreadable("PDF 已加密,无法读取")
    return reader


def _opens_without_password(reader, refused) -> bool:
    try:
        return reader.decrypt("") != refused
    except Exception:  # e.g. AES without the optional cryptography package
        return False


def _table_pages(data: bytes, pages: list[int]) -> dict[int, list]:
    """For pages holding ruled tables: their lines outside the tables and the tables, top to bottom."""
    import pdfplumber

    # pdfminer warns on every glyph of some fonts ("Could not get FontBBox…"): noise on the console, no news.
    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    found = {}
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for k in pages:
                page = pdf.pages[k]
                tables = [t for t in page.find_tables() if len(t.rows) > 1]
                blocks = _page_blocks(page, tables) if tables else []
                # pdfminer cannot map some CJK fonts back to characters ("(cid:123)"): keep pypdf's text then.
                if blocks and not any(UNMAPPED in str(block) for block in blocks):
                    found[k] = blocks
                page.close()
    except Exception:  # pdfminer fails on some files pypdf reads: keep the text layer alone then
        return {}
    return found


def _page_blocks(page, tables) -> list:
    boxes = [t.bbox for t in tables]

    def outside(obj) -> bool:
        x, y = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
        return not any(x0 <= x <= x1 and top <= y <= bottom for x0, top, x1, bottom in boxes)

    lines = [(line["top"], line["text"]) for line in page.filter(outside).extract_text_lines()]
    rows = [(t.bbox[1], _grid(t)) for t in tables]
    return [block for _, block in sorted(lines + rows, key=lambda pair: pair[0])]


def _grid(table) -> list[list[str]]:
    """The table's grid from its cells' geometry: a merged cell covers several grid cells, across or
    down, and its text goes in each (pdfplumber gives it once, with None where it spans)."""
    texts = table.extract()
    cells = [(box, text or "") for row, row_texts in zip(table.rows, texts)
             for box, text in zip(row.cells, row_texts) if box is not None]
    xs = sorted({round(x) for box, _ in cells for x in (box[0], box[2])})
    ys = sorted({round(y) for box, _ in cells for y in (box[1], box[3])})
    grid = [[""] * (len(xs) - 1) for _ in range(len(ys) - 1)]
    for (x0, top, x1, bottom), text in cells:
        for r in range(ys.index(round(top)), ys.index(round(bottom))):
            for c in range(xs.index(round(x0)), xs.index(round(x1))):
                grid[r][c] = text
    return grid


def _ocr_pages(data: bytes, pages: list[int], name: str) -> dict[int, list[str]]:
    """Render each page without a text layer and read it through OCR, with a progress bar per page."""
    import pypdfium2 as pdfium
    from tqdm import tqdm

    from .ocr import MAX_PIXELS, recognise

    document = pdfium.PdfDocument(data)
    found = {}
    try:
        for k in tqdm(pages, desc=f"OCR {name}", unit="页", leave=False):
            page = document[k]
            width, height = page.get_size()
            # A page drawn metres wide must not become a gigabyte bitmap: cap the pixels, not the page.
            scale = min(OCR_SCALE, (MAX_PIXELS / max(width * height, 1)) ** 0.5)
            image = page.render(scale=scale).to_pil()
            found[k] = recognise(image) if _has_ink(image) else []
            page.close()
    finally:
        document.close()
    return found


def _has_ink(image) -> bool:
    """Whether a rendered page shows anything at all: a blank page needs no OCR (seconds saved)."""
    darkest, _ = image.convert("L").getextrema()
    return darkest < BLANK_LEVEL
