"""The admin database schema, grown by numbered functions (after llm's migrations.py).

Each function takes a SQLAlchemy connection inside a transaction and moves the
schema one version on; ``schema_version`` records how far a database has come.
Never edit a released migration: add the next one.
"""

from __future__ import annotations

import time

import sqlalchemy as sa


def m001_initial(conn) -> None:
    meta = sa.MetaData()
    sa.Table("documents", meta,
             sa.Column("id", sa.String(40), primary_key=True),
             sa.Column("name", sa.String(200), nullable=False),  # sanitised file name
             sa.Column("title", sa.Text, nullable=False, server_default=""),
             sa.Column("status", sa.String(16), nullable=False),  # draft | published | withdrawn
             sa.Column("sha256", sa.String(64), nullable=False),
             sa.Column("size", sa.Integer, nullable=False),
             sa.Column("items", sa.Integer, nullable=False, server_default="0"),
             sa.Column("warnings", sa.Text, nullable=False, server_default="[]"),  # JSON list
             sa.Column("meta", sa.Text, nullable=False, server_default="{}"),  # JSON: year, kind, shape…
             sa.Column("created_at", sa.Float, nullable=False),
             sa.Column("updated_at", sa.Float, nullable=False))
    sa.Table("audit", meta,
             sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
             sa.Column("at", sa.Float, nullable=False),
             sa.Column("actor", sa.String(100), nullable=False),
             sa.Column("action", sa.String(40), nullable=False),
             sa.Column("target", sa.Text, nullable=False, server_default=""),
             sa.Column("detail", sa.Text, nullable=False, server_default=""))
    sa.Table("questions", meta,
             sa.Column("id", sa.String(32), primary_key=True),
             sa.Column("at", sa.Float, nullable=False, index=True),
             sa.Column("question", sa.Text, nullable=False),
             sa.Column("kind", sa.String(16), nullable=False),
             sa.Column("refused", sa.Boolean, nullable=False),
             sa.Column("top_item", sa.Text, nullable=False, server_default=""),
             sa.Column("score", sa.Float, nullable=True),
             sa.Column("latency_ms", sa.Float, nullable=False),
             sa.Column("answer", sa.Text, nullable=False, server_default=""),  # what the product said
             sa.Column("item_ids", sa.Text, nullable=False, server_default="[]"))
    sa.Table("feedback", meta,
             sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
             sa.Column("question_id", sa.String(32), nullable=False, index=True),
             sa.Column("at", sa.Float, nullable=False),
             sa.Column("vote", sa.String(4), nullable=False),
             sa.Column("item_ids", sa.Text, nullable=False, server_default="[]"))
    meta.create_all(conn)


def m002_comments_and_resolution(conn) -> None:
    """Feedback gains an optional comment; a question can be marked as dealt with."""
    conn.execute(sa.text("ALTER TABLE feedback ADD COLUMN comment TEXT NOT NULL DEFAULT ''"))
    conn.execute(sa.text("ALTER TABLE questions ADD COLUMN resolution VARCHAR(40) NOT NULL DEFAULT ''"))


MIGRATIONS = [m001_initial, m002_comments_and_resolution]


def schema_version(conn) -> int:
    if not sa.inspect(conn).has_table("schema_version"):
        return 0
    return conn.execute(sa.text("SELECT MAX(version) FROM schema_version")).scalar() or 0


def migrate(engine, upto: int | None = None) -> int:
    """Apply every migration not yet applied (up to ``upto``, for tests); return the version reached."""
    target = len(MIGRATIONS) if upto is None else upto
    with engine.begin() as conn:
        if not sa.inspect(conn).has_table("schema_version"):
            conn.execute(sa.text("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at FLOAT)"))
        current = schema_version(conn)
    for number in range(current + 1, target + 1):
        with engine.begin() as conn:  # one transaction per step: a failed step leaves the last good one
            MIGRATIONS[number - 1](conn)
            conn.execute(sa.text("INSERT INTO schema_version (version, applied_at) VALUES (:v, :t)"),
                         {"v": number, "t": time.time()})
    return max(current, target)
