"""Helpers for the console tests: a small corpus, an uploadable work plan and a running server.

The uploaded plan is written here with python-docx (a real .docx, as staff would upload it);
its third item names no unit, so the preview must flag it.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
ADMIN_TOKEN = "admin-secret-for-tests"
USER_TOKEN = "user-secret-for-tests"
PLAN_TITLE = "县2025年长者食堂建设工作要点"
PLAN = [
    ("h1", "一、完善助餐网络"),
    ("item", "1.建设社区长者食堂。在每个街道建成一处长者食堂，为高龄、独居老人提供平价助餐服务。"
             "（县民政局、县市场监管局按照职责分工负责）"),
    ("item", "2.推广银发餐桌配送。组织餐饮企业为行动不便的老人送餐上门，配送费用给予补贴。"
             "（县商务局、各乡镇人民政府按照职责分工负责）"),
    ("item", "3.开展食堂运营评估。每年对长者食堂运营情况开展一次评估，结果向社会公布。"),
]
# Questions the corpus (school safety) answers, with the item that answers them: the recall gate's set.
QUESTION_SET = [
    {"question": "防范学生溺水由谁负责?", "kind": "who", "expect": ["防范学生溺水"]},
    {"question": "校车安全谁来管?", "kind": "who", "expect": ["做好校车安全管理"]},
    {"question": "学校食品安全由哪些单位负责?", "kind": "who", "expect": ["保障食品安全"]},
]


def plan_docx(replace: tuple[str, str] = ("", "")) -> bytes:
    """The plan as .docx; ``replace`` edits its text (a new version of the same document)."""
    from docx import Document

    doc = Document()
    doc.add_heading(PLAN_TITLE, level=0)
    for _, text in PLAN:
        doc.add_paragraph(text.replace(*replace) if replace[0] else text)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def make_corpus(folder: Path) -> Path:
    """The school-safety plan and its question set: a corpus the console may change."""
    import json

    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(DATA / "district-school-safety-2024.txt", folder)
    (folder / "questions.jsonl").write_text(
        "".join(json.dumps(q, ensure_ascii=False) + "\n" for q in QUESTION_SET), encoding="utf-8")
    return folder
