"""Build the second held-out document from source/ (same markup as eval/multi/make_corpus.py).

    /work/main/.venv/bin/python eval/heldout2/make_corpus.py

Writes corpus/jianglin-2025-elderly-care-workplan.docx and its plain-text rendering in text/.
"""

from __future__ import annotations

import importlib.util
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
# eval/heldout's builder, loaded by path: it and eval/multi's renderer share the name make_corpus
_spec = importlib.util.spec_from_file_location("heldout_make_corpus", HERE.parent / "heldout" / "make_corpus.py")
heldout = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(heldout)


def main() -> None:
    heldout.build(HERE, "plan.txt", "jianglin-2025-elderly-care-workplan",
                  heldout.Meta("江临市民政局关于印发《江临市2025年养老服务工作要点》的通知", "江临市民政局",
                               datetime(2025, 2, 26, 10, 30)))


if __name__ == "__main__":
    main()
