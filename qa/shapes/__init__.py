"""Document shapes: each turns a ``Document`` into ``WorkItem``s its own way.

A shape is a module with ``NAME``, ``detect(doc) -> float`` (how well the document fits)
and ``parse(doc) -> list[WorkItem]`` (items whose ``id`` is still their bare anchor).
The built-in shapes are registered exactly as an add-on would be, with ``register``.

Per document, the best-fitting body shape gives the items; a task-division table, when
there is one, then adds its units and deadlines (a plan whose units live in its 附件).
Text that fits no shape is cut by its numbering, else by paragraph, with a warning.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ..records import Document, WorkItem, doc_id_for
from . import articles, inline_units, paragraphs, task_table, workplan
from .anchors import assign_ids
from .checks import document_warnings

BODY_SHAPES: list = []


def register(shape) -> None:
    """Add a body shape (a module or object with NAME, detect and parse); later ones lose ties."""
    if shape not in BODY_SHAPES:
        BODY_SHAPES.append(shape)


for _builtin in (workplan, articles, inline_units):
    register(_builtin)


def analyse(doc: Document) -> tuple[Document, list[WorkItem]]:
    """The document with its metadata, shape and warnings filled in, and its items with final ids."""
    from ..meta import describe

    doc = describe(doc)
    items, names, warnings = _body_items(doc)
    items = [_before_attachment(it) for it in items]
    if task_table.detect(doc) > 0:
        rows = task_table.rows_of(doc)
        items, table_warnings = task_table.merge(doc, items, rows)
        warnings += table_warnings
        names.append(task_table.NAME)
    if not items:
        items = paragraphs.parse(doc)
        names = [paragraphs.NAME]
        warnings.append(f"正文不符合任何已知格式,已按段落切分为 {len(items)} 条" if items
                        else "没有找到任何条目:正文过短或无法识别,这份文件不会被检索到")
    doc_id = doc.id or doc_id_for(doc.source)
    items = [replace(it, doc_id=doc_id, year=doc.year) for it in assign_ids(doc_id, items)]
    warnings += document_warnings(items, names)
    return replace(doc, id=doc_id, shape="+".join(names), warnings=[*doc.warnings, *warnings]), items


# "附件：…分工表" on a line of its own: the body is over, what follows is the attachment's
# caption (its table is read on its own), not part of the last item.
_ATTACHMENT = re.compile(r"\n\s*附件\s*[0-9一二三四五六七八九十]*\s*(?:[:：]|\n|$)")


def _before_attachment(item: WorkItem) -> WorkItem:
    found = _ATTACHMENT.search(item.text)
    if not found or not item.text[:found.start()].strip():
        return item
    from .workplan import split_sentences

    text = item.text[:found.start()].rstrip()
    kept = [s for s in item.sentences if s in text]
    return replace(item, text=text, sentences=kept or split_sentences(text))


def parse_document(doc: Document) -> list[WorkItem]:
    """Work items of one document, in document order."""
    return analyse(doc)[1]


def _body_items(doc: Document) -> tuple[list[WorkItem], list[str], list[str]]:
    # Every fitting shape parses; the one that gives the most items with someone responsible
    # wins (a notice may carry a few bracketed closers yet name most units inline), then the
    # better fit, then registry order.
    best = None
    for order, shape in enumerate(BODY_SHAPES):
        score = shape.detect(doc)
        if score <= 0:
            continue
        items = shape.parse(doc)
        covered = sum(1 for it in items if it.units or it.duty_holders)
        key = (covered, score, -order)
        if items and (best is None or key > best[0]):
            best = (key, items, shape)
    if best:
        return best[1], [best[2].NAME], []
    outline = inline_units.parse(doc)  # numbered points without units anywhere in the text
    if outline and not doc.tables:
        return outline, ["outline"], [f"正文未找到责任单位的写法,已按编号切分为 {len(outline)} 条"]
    return outline, (["outline"] if outline else []), []
