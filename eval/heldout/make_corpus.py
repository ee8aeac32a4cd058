"""Build the held-out document from source/ (same markup as eval/multi/make_corpus.py).

    /work/main/.venv/bin/python eval/heldout/make_corpus.py

Writes corpus/anping-2024-children-care-opinion.docx and its plain-text rendering in text/.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "multi"))

from datetime import datetime  # noqa: E402

from make_corpus import Meta, parse_source, render_text, write_docx  # noqa: E402


def build(folder: Path, source: str, name: str, meta: Meta) -> None:
    """One .docx document in folder/corpus from folder/source/<source>, and its text rendering."""
    corpus, text = folder / "corpus", folder / "text"
    corpus.mkdir(exist_ok=True)
    text.mkdir(exist_ok=True)
    blocks = parse_source(folder / "source" / source)
    write_docx(blocks, corpus / f"{name}.docx", meta)
    (text / f"{name}.txt").write_text(render_text(blocks), encoding="utf-8")
    for f in sorted(corpus.iterdir()):
        print(f"{f.stat().st_size:>8}  {f}")


def main() -> None:
    build(HERE, "opinion.txt", "anping-2024-children-care-opinion",
          Meta("安平县人民政府关于加强困境儿童和留守儿童关爱保护工作的实施意见", "安平县民政局",
               datetime(2024, 5, 20, 16, 0)))


if __name__ == "__main__":
    main()
