"""Build the second held-out document from source/ (same markup as eval/multi/make_corpus.py).

    /work/main/.venv/bin/python eval/heldout2/make_corpus.py

Writes corpus/jianglin-2025-elderly-care-workplan.docx and its plain-text rendering in text/.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "multi"))

from datetime import datetime  # noqa: E402

from make_corpus import Meta, parse_source, render_text, write_docx  # noqa: E402


def main() -> None:
    corpus, text = HERE / "corpus", HERE / "text"
    corpus.mkdir(exist_ok=True)
    text.mkdir(exist_ok=True)
    blocks = parse_source(HERE / "source" / "plan.txt")
    name = "jianglin-2025-elderly-care-workplan"
    write_docx(blocks, corpus / f"{name}.docx",
               Meta("江临市民政局关于印发《江临市2025年养老服务工作要点》的通知", "江临市民政局",
                    datetime(2025, 2, 26, 10, 30)))
    (text / f"{name}.txt").write_text(render_text(blocks), encoding="utf-8")
    for f in sorted(corpus.iterdir()):
        print(f"{f.stat().st_size:>8}  {f}")


if __name__ == "__main__":
    main()
