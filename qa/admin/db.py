"""The admin database: documents, audit trail, question log and feedback, through SQLAlchemy Core.

SQLite by default (one file, WAL mode, so the question log never blocks a reader);
``QA_DB_URL=postgresql://…`` when several replicas share one database.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from .migrations import migrate



def database_url(settings) -> str:
    """QA_DB_URL when given, else an SQLite file in the admin folder (beside the index)."""
    if settings.db_url:
        url = settings.db_url
        for scheme in ("postgresql://", "postgres://"):
            if url.startswith(scheme):
                url = "postgresql+psycopg://" + url[len(scheme):]  # psycopg 3, not psycopg2
        return url
    Path(settings.admin_dir).mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{Path(settings.admin_dir).resolve() / 'admin.db'}"


def connect(url: str):
    """An engine on ``url`` with the schema brought up to date."""
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @sa.event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()
    else:
        engine = sa.create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)
    migrate(engine)
    return engine


@dataclass(frozen=True)
class LoggedQuestion:
    id: str
    at: float
    question: str
    kind: str
    refused: bool
    top_item: str
    score: float | None
    latency_ms: float
    answer: str
    item_ids: list[str]
    resolution: str
    votes: tuple[str, ...] = ()
    comments: tuple[str, ...] = ()


class AdminDB:
    """Every read and write the console makes; one instance per server, safe across threads."""

    def __init__(self, engine):
        self.engine = engine
        self.meta = sa.MetaData()
        self.meta.reflect(engine, only=["documents", "audit", "questions", "feedback"])
        self.documents = self.meta.tables["documents"]
        self.audit_log = self.meta.tables["audit"]
        self.questions = self.meta.tables["questions"]
        self.feedback = self.meta.tables["feedback"]

    @classmethod
    def open(cls, settings) -> "AdminDB":
        return cls(connect(database_url(settings)))

    def close(self) -> None:
        self.engine.dispose()

    # --- audit -------------------------------------------------------------------------------
    def audit(self, actor: str, action: str, target: str = "", detail: str = "") -> None:
        with self.engine.begin() as conn:
            conn.execute(self.audit_log.insert().values(at=time.time(), actor=actor[:100], action=action,
                                                        target=target, detail=detail))

    def audit_entries(self, limit: int = 200) -> list[dict]:
        query = self.audit_log.select().order_by(self.audit_log.c.id.desc()).limit(limit)
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]

    # --- documents ---------------------------------------------------------------------------
    def add_document(self, doc_id: str, name: str, title: str, sha256: str, size: int, items: int,
                     warnings: list[str], meta: dict) -> None:
        now = time.time()
        with self.engine.begin() as conn:
            conn.execute(self.documents.insert().values(
                id=doc_id, name=name, title=title, status="draft", sha256=sha256, size=size, items=items,
                warnings=json.dumps(warnings, ensure_ascii=False), meta=json.dumps(meta, ensure_ascii=False),
                created_at=now, updated_at=now))

    def set_status(self, doc_id: str, status: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(self.documents.update().where(self.documents.c.id == doc_id)
                         .values(status=status, updated_at=time.time()))

    def document(self, doc_id: str) -> dict | None:
        with self.engine.connect() as conn:
            row = conn.execute(self.documents.select().where(self.documents.c.id == doc_id)).first()
        return _document(row) if row else None

    def document_list(self) -> list[dict]:
        query = self.documents.select().order_by(self.documents.c.created_at.desc())
        with self.engine.connect() as conn:
            return [_document(row) for row in conn.execute(query)]

    # --- questions and feedback --------------------------------------------------------------
    def log_question(self, question: str, kind: str, refused: bool, top_item: str, score: float | None,
                     latency_ms: float, answer: str, item_ids: list[str]) -> str:
        qid = uuid.uuid4().hex
        with self.engine.begin() as conn:
            conn.execute(self.questions.insert().values(
                id=qid, at=time.time(), question=question, kind=kind, refused=refused, top_item=top_item,
                score=score, latency_ms=round(latency_ms, 1), answer=answer[:4000],
                item_ids=json.dumps(item_ids, ensure_ascii=False)))
        return qid

    def add_feedback(self, question_id: str, vote: str, comment: str = "") -> bool:
        """Store a vote with the answer's item ids; False when the question is not (or no longer) logged."""
        with self.engine.begin() as conn:
            row = conn.execute(sa.select(self.questions.c.item_ids)
                               .where(self.questions.c.id == question_id)).first()
            if row is None:
                return False
            conn.execute(self.feedback.insert().values(question_id=question_id, at=time.time(), vote=vote,
                                                       item_ids=row.item_ids, comment=comment))
        return True

    def set_comment(self, question_id: str, comment: str) -> None:
        """Attach a comment to the latest vote on a question (the chat asks for it after a 👎)."""
        f = self.feedback
        with self.engine.begin() as conn:
            last = conn.execute(sa.select(sa.func.max(f.c.id)).where(f.c.question_id == question_id)).scalar()
            if last is not None:
                conn.execute(f.update().where(f.c.id == last).values(comment=comment))

    def resolve(self, question_ids: list[str], resolution: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(self.questions.update().where(self.questions.c.id.in_(question_ids))
                         .values(resolution=resolution))

    def question_log(self, limit: int = 500, since: float = 0.0) -> list[LoggedQuestion]:
        q, f = self.questions, self.feedback
        query = q.select().where(q.c.at >= since).order_by(q.c.at.desc()).limit(limit)
        with self.engine.connect() as conn:
            rows = list(conn.execute(query))
            votes: dict[str, list] = {}
            ids = [row.id for row in rows]
            if ids:
                for fb in conn.execute(sa.select(f.c.question_id, f.c.vote, f.c.comment)
                                       .where(f.c.question_id.in_(ids)).order_by(f.c.id)):
                    votes.setdefault(fb.question_id, []).append((fb.vote, fb.comment))
        return [LoggedQuestion(r.id, r.at, r.question, r.kind, bool(r.refused), r.top_item, r.score,
                               r.latency_ms, r.answer, json.loads(r.item_ids), r.resolution,
                               tuple(v for v, _ in votes.get(r.id, [])),
                               tuple(c for _, c in votes.get(r.id, []) if c))
                for r in rows]

    def feedback_rows(self, question_id: str) -> list[dict]:
        query = self.feedback.select().where(self.feedback.c.question_id == question_id)
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]

    def purge(self, retention_days: int) -> int:
        """Forget questions (and their feedback) older than the retention period; how many went."""
        cutoff = time.time() - retention_days * 86400
        with self.engine.begin() as conn:
            old = sa.select(self.questions.c.id).where(self.questions.c.at < cutoff)
            conn.execute(self.feedback.delete().where(self.feedback.c.question_id.in_(old)))
            return conn.execute(self.questions.delete().where(self.questions.c.at < cutoff)).rowcount


def _document(row) -> dict:
    data = dict(row._mapping)
    data["warnings"] = json.loads(data["warnings"])
    data["meta"] = json.loads(data["meta"])
    return data
