"""Upload -> preview -> publish -> swap: every change to what the product serves goes through here.

A change (publish, replace or withdraw a document; add a word pair, a unit alias or an
out-of-scope question) edits the corpus folder, rebuilds the index in the background
(``build_index`` writes a new build folder and flips CURRENT), runs the corpus's question
set before and after, and only then swaps the new index into the live service. If recall
falls and the change is not forced, the corpus edit is undone and CURRENT points back.
Published documents live in the corpus folder, so ``qa build`` reproduces the served index;
drafts and withdrawn files live in ``<admin_dir>/drafts/<id>/``, outside any web root.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

from qa.corpus import load_corpus
from qa.errors import DocumentError, QAError
from qa.index import _point_current, build_index, current_build, load_index
from qa.read import corpus_files

from .uploads import UploadRejected, check_upload


class ChangeRefused(QAError):
    """A change cannot be made (unknown document, wrong state, name taken…)."""


@dataclass
class Job:
    """One background change, as the console shows it while it runs and afterwards."""

    id: str
    action: str
    target: str
    state: str = "running"  # running | done | failed | refused
    steps: list[str] = field(default_factory=list)
    before: dict | None = None  # question-set figures on the live index
    after: dict | None = None  # … and on the rebuilt one
    error: str = ""
    started: float = field(default_factory=time.time)
    finished: float | None = None

    def say(self, message: str) -> None:
        self.steps.append(message)

    def to_dict(self) -> dict:
        return asdict(self)


def item_warnings(item) -> list[str]:
    """What an administrator should look at before publishing an item."""
    found = []
    if not item.units:
        found.append("未找到责任单位")
    if not item.number:
        found.append("编号缺失")
    if len(item.text) > 1500:
        found.append("条目过长,可能合并了多条")
    return found


def parse_preview(path: Path) -> dict:
    """What the build will read from one file: document fields, every item, warnings.

    The file is parsed alone, in a folder of its own, by the same corpus stage the build uses."""
    with tempfile.TemporaryDirectory(prefix="qa-preview-") as folder:
        shutil.copyfile(path, Path(folder) / path.name)
        corpus = load_corpus(Path(folder))
    if not corpus.documents:
        raise corpus.problems[0] if corpus.problems else DocumentError(path.name, "没有可读的文字")
    doc, items = corpus.documents[0], corpus.items
    warnings = [*doc.warnings, *(str(p) for p in corpus.problems)]
    if not items:
        warnings.append("没有找到任何工作条目")
    rows = [{**item.to_dict(), "warnings": item_warnings(item)} for item in items]
    if any(row["warnings"] for row in rows):
        warnings.append(f"{sum(1 for row in rows if row['warnings'])} 个条目有提示,请核对")
    meta = {"year": doc.year, "kind": doc.kind, "shape": doc.shape, "issuer": doc.issuer,
            "number": doc.number, "date": doc.date, "doc_id": doc.id}
    return {"doc": {"title": doc.title, "source": doc.source, **meta}, "items": rows, "warnings": warnings}


class Publisher:
    """Drafts, the corpus folder and the live service, changed one at a time."""

    def __init__(self, service, settings, db, questions: Path | None = None):
        self.service = service
        self.settings = settings
        self.db = db
        self.corpus = Path(settings.corpus_dir)
        self.drafts = Path(settings.admin_dir) / "drafts"
        self.questions = questions
        self.jobs: dict[str, Job] = {}
        self._lock = threading.Lock()  # one rebuild at a time
        self._baseline: tuple[str, dict] | None = None  # (build name, figures) of the live index

    # --- documents -------------------------------------------------------------------------
    def register_corpus(self) -> None:
        """Match the list to the corpus folder as it is: files put there by hand appear as
        published, published files removed by hand as withdrawn."""
        published = {d["name"]: d for d in self.db.document_list() if d["status"] == "published"}
        present = set()
        for path in corpus_files(self.corpus) if self.corpus.is_dir() else []:
            name = path.relative_to(self.corpus).as_posix()
            present.add(name)
            if name not in published:
                try:
                    self._record(name, path.read_bytes(), path, status="published")
                except DocumentError:
                    pass  # unreadable: the build reports it as well
        for name, doc in published.items():
            if name not in present:
                self.db.set_status(doc["id"], "withdrawn")
                self.db.audit("system", "missing", doc["id"], name)

    def upload(self, name: str, data: bytes, actor: str) -> dict:
        clean = check_upload(name, data, self.settings.max_upload_mb * 1024 * 1024)
        doc_id = uuid.uuid4().hex[:12]
        folder = self.drafts / doc_id
        folder.mkdir(parents=True)
        path = folder / clean
        path.write_bytes(data)
        try:
            preview = self._record(clean, data, path, status="draft", doc_id=doc_id)
        except DocumentError as err:
            shutil.rmtree(folder, ignore_errors=True)
            raise UploadRejected(f"文件无法读取:{err.reason}") from None
        self.db.audit(actor, "upload", doc_id, clean)
        return {"id": doc_id, "status": "draft", **preview}

    def _record(self, name: str, data: bytes, path: Path, status: str, doc_id: str | None = None) -> dict:
        preview = parse_preview(path)
        doc_id = doc_id or uuid.uuid4().hex[:12]
        self.db.add_document(doc_id, name, preview["doc"]["title"], hashlib.sha256(data).hexdigest(), len(data),
                             len(preview["items"]), preview["warnings"], preview["doc"])
        if status != "draft":
            self.db.set_status(doc_id, status)
        return preview

    def preview(self, doc_id: str) -> dict:
        doc = self._document(doc_id)
        return {"id": doc_id, "status": doc["status"], **parse_preview(self._file(doc))}

    def _document(self, doc_id: str) -> dict:
        doc = self.db.document(doc_id)
        if doc is None:
            raise ChangeRefused("没有这个文件。")
        return doc

    def _file(self, doc: dict) -> Path:
        """Where the document's bytes are now: the corpus when published, else its draft folder."""
        if doc["status"] == "published":
            return self.corpus / doc["name"]
        return self.drafts / doc["id"] / Path(doc["name"]).name

    def publish(self, doc_id: str, actor: str, replaces: str | None = None, force: bool = False) -> Job:
        doc = self._document(doc_id)
        if doc["status"] == "published":
            raise ChangeRefused("该文件已经发布。")
        old = self._document(replaces) if replaces else None
        if old and old["status"] != "published":
            raise ChangeRefused("只能替换已发布的文件。")
        target = self.corpus / doc["name"]
        if target.exists() and not (old and old["name"] == doc["name"]):
            raise ChangeRefused(f"语料目录中已有同名文件「{doc['name']}」,请改名或用「替换」。")
        source, stash = self._file(doc), self._stash(old) if old else None

        def apply():
            if old:
                shutil.move(self.corpus / old["name"], stash)
            shutil.copyfile(source, target)

        def undo():
            target.unlink(missing_ok=True)
            if old:
                shutil.move(stash, self.corpus / old["name"])

        def done():
            self.db.set_status(doc_id, "published")
            if old:
                self.db.set_status(old["id"], "replaced")

        action = "replace" if old else "publish"
        return self._start(action, doc_id, actor, apply, undo, done, force, detail=doc["name"])

    def withdraw(self, doc_id: str, actor: str, force: bool = False) -> Job:
        doc = self._document(doc_id)
        if doc["status"] != "published":
            raise ChangeRefused("只能撤回已发布的文件。")
        stash = self._stash(doc)
        return self._start("withdraw", doc_id, actor,
                           lambda: shutil.move(self.corpus / doc["name"], stash),
                           lambda: shutil.move(stash, self.corpus / doc["name"]),
                           lambda: self.db.set_status(doc_id, "withdrawn"), force, detail=doc["name"])

    def _stash(self, doc: dict) -> Path:
        folder = self.drafts / doc["id"]
        folder.mkdir(parents=True, exist_ok=True)
        return folder / Path(doc["name"]).name

    # --- lexicon fixes -----------------------------------------------------------------------
    def add_line(self, table: str, line: str, actor: str, action: str, force: bool = False,
                 on_done=None) -> Job:
        """Append one line to a corpus word table (lexicon/synonyms.tsv, unit_aliases.tsv, background.txt)."""
        path = self.corpus / "lexicon" / table
        previous = path.read_bytes() if path.exists() else None

        def apply():
            path.parent.mkdir(exist_ok=True)
            text = (previous or b"").decode("utf-8")
            path.write_text(text + ("" if not text or text.endswith("\n") else "\n") + line + "\n", encoding="utf-8")

        def undo():
            if previous is None:
                path.unlink(missing_ok=True)
            else:
                path.write_bytes(previous)

        return self._start(action, table, actor, apply, undo, on_done or (lambda: None), force,
                           detail=line.replace("\t", " → "))

    # --- the change pipeline -------------------------------------------------------------------
    def _start(self, action, target, actor, apply, undo, done, force, detail="") -> Job:
        job = Job(uuid.uuid4().hex[:12], action, target)
        self.jobs[job.id] = job
        thread = threading.Thread(target=self._run, args=(job, actor, apply, undo, done, force, detail),
                                  name=f"qa-admin-{action}", daemon=True)
        job.thread = thread  # not a field: kept out of to_dict
        thread.start()
        return job

    def wait(self, job: Job, timeout: float = 900) -> Job:
        job.thread.join(timeout)
        return job

    def _run(self, job: Job, actor, apply, undo, done, force, detail) -> None:
        with self._lock:
            job.say("开始处理")
            live = None
            try:
                live = current_build(self.settings.index_dir).name
                job.before = self._figures_live(job)
                apply()
                job.say("正在重新构建索引(现有索引继续提供服务)…")
                build_index(self.corpus, self.settings.index_dir, self.service.encoder, job.say)
                index = load_index(self.settings.index_dir, self.service.encoder.model_id)
                job.after = self._figures(job, index, "发布后")
                if _recall_fell(job.before, job.after) and not force:
                    raise ChangeRefused("问题集召回率下降,已拒绝发布(可勾选「强制发布」)。")
                self.service.swap_index(index)
                self._baseline = (index.folder.name, job.after) if job.after else None
                done()
                job.state = "done"
                job.say("新索引已上线")
                self.db.audit(actor, job.action, job.target, detail + ("(强制)" if force else ""))
            except Exception as err:  # any failure: the corpus and CURRENT go back, the live index stays
                self._roll_back(undo, live)
                job.state = "refused" if isinstance(err, ChangeRefused) else "failed"
                job.error = str(err) if isinstance(err, QAError) else f"构建失败({type(err).__name__})"
                job.say(job.error)
                self.db.audit(actor, job.action + "-" + job.state, job.target, detail)
            finally:
                job.finished = time.time()

    def _roll_back(self, undo, live: str | None) -> None:
        try:
            undo()
        except OSError:
            pass  # nothing was moved yet
        if live and (Path(self.settings.index_dir) / live).is_dir():
            _point_current(Path(self.settings.index_dir), live)

    def _figures_live(self, job: Job) -> dict | None:
        index = self.service.index
        if self._baseline and self._baseline[0] == Path(index.folder).name:
            return self._baseline[1]
        figures = self._figures(job, index, "发布前")
        self._baseline = (Path(index.folder).name, figures) if figures else None
        return figures

    def _figures(self, job: Job, index, when: str) -> dict | None:
        """Recall on the corpus's question set over ``index``; None when there is no set."""
        from qa.evaluate import evaluate, load_questions
        from qa.service import QAService

        path = self.questions or self.corpus / "questions.jsonl"
        if not path.is_file():
            return None
        job.say(f"正在运行问题集({when})…")
        probe = QAService(index, self.service.encoder, self.settings)
        report = evaluate(probe, load_questions(path))
        return {"questions": report["questions"], **report["overall"],
                "refused_unanswerable": report["refused_unanswerable"]["share"]}


def _recall_fell(before: dict | None, after: dict | None) -> bool:
    if not before or not after:
        return False
    return any(after.get(k, 0) < before.get(k, 0) - 1e-9 for k in ("recall@1", "recall@3"))
