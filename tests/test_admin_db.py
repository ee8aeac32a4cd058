"""The admin database on SQLite and on a real PostgreSQL: migrations, question log, feedback, retention.

The PostgreSQL server is Debian's ``postgresql`` package, initdb'd into a temporary folder
and started on a free loopback port for this module, as an unprivileged user.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time

import pytest
import sqlalchemy as sa

from tests.ui_fixtures import free_port


def _pg_bin() -> str:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        pytest.fail("PostgreSQL is missing: apt-get install -y postgresql (see the Makefile's test target)")
    return os.path.dirname(found[-1])


@pytest.fixture(scope="session")
def postgres_url():
    """A throwaway PostgreSQL cluster; initdb refuses to run as root, so root runs it as ``postgres``."""
    bin_dir = _pg_bin()
    folder = tempfile.mkdtemp(prefix="qa-pg-")
    data = os.path.join(folder, "data")
    as_user: list[str] = []
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(folder, user.pw_uid, user.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    port = free_port()
    run = lambda *args: subprocess.run([*as_user, *args], check=True, capture_output=True, timeout=120)  # noqa: E731
    run(f"{bin_dir}/initdb", "-D", data, "-A", "trust", "-U", "qa", "--no-sync", "-E", "UTF8")
    run(f"{bin_dir}/pg_ctl", "-D", data, "-w", "-l", os.path.join(folder, "log"), "-o",
        f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off", "start")
    try:
        yield f"postgresql://qa@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*as_user, f"{bin_dir}/pg_ctl", "-D", data, "-m", "immediate", "stop"],
                       capture_output=True, timeout=60)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    from qa.admin.db import database_url
    from qa.settings import Settings

    if request.param == "sqlite":
        return database_url(Settings(admin_dir=tmp_path / "admin"))
    base = request.getfixturevalue("postgres_url")
    engine = sa.create_engine(database_url(Settings(db_url=base)), isolation_level="AUTOCOMMIT")
    name = f"t{os.getpid()}_{time.monotonic_ns()}"
    with engine.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name}"))  # a fresh, empty database per test
    engine.dispose()
    return database_url(Settings(db_url=base.rsplit("/", 1)[0] + "/" + name))


def test_migrates_an_empty_database_to_the_latest_schema(url):
    from qa.admin.db import connect
    from qa.admin.migrations import MIGRATIONS, schema_version

    engine = connect(url)
    with engine.connect() as conn:
        assert schema_version(conn) == len(MIGRATIONS)
        tables = set(sa.inspect(conn).get_table_names())
    assert {"documents", "audit", "questions", "feedback", "schema_version"} <= tables
    connect(url).dispose()  # a second start applies nothing and fails on nothing
    if url.startswith("sqlite"):
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    engine.dispose()


def test_migrates_from_the_previous_schema_keeping_rows(url):
    from qa.admin.db import AdminDB, connect
    from qa.admin.migrations import MIGRATIONS, migrate

    engine = sa.create_engine(url)
    migrate(engine, upto=len(MIGRATIONS) - 1)
    with engine.begin() as conn:  # rows written by the previous version of the program
        conn.execute(sa.text("INSERT INTO questions (id, at, question, kind, refused, top_item, score, latency_ms,"
                             " answer, item_ids) VALUES ('q1', :t, '谁负责?', 'who', false, 'a#1', 0.2, 12, '答', '[\"a#1\"]')"),
                     {"t": time.time()})
        conn.execute(sa.text("INSERT INTO feedback (question_id, at, vote, item_ids) VALUES ('q1', :t, 'down', '[]')"),
                     {"t": time.time()})
    engine.dispose()
    db = AdminDB(connect(url))
    [row] = db.question_log()
    assert (row.question, row.votes, row.comments, row.resolution) == ("谁负责?", ("down",), (), "")
    db.set_comment("q1", "答非所问")
    assert db.question_log()[0].comments == ("答非所问",)
    db.close()


def test_question_log_feedback_and_retention(url):
    from qa.admin.db import AdminDB, connect

    db = AdminDB(connect(url))
    qid = db.log_question("校车安全谁来管?", "who", False, "plan#10", 0.4, 35.2, "回答", ["plan#10", "plan#4"])
    assert db.add_feedback(qid, "up")
    assert not db.add_feedback("missing", "down")
    [fb] = db.feedback_rows(qid)
    assert fb["vote"] == "up" and fb["item_ids"] == '["plan#10", "plan#4"]'  # stored with the answer's items
    old = db.log_question("去年的问题", "search", True, "", None, 10.0, "拒答", [])
    with db.engine.begin() as conn:
        conn.execute(db.questions.update().where(db.questions.c.id == old).values(at=time.time() - 200 * 86400))
    db.add_feedback(old, "down")
    assert db.purge(180) == 1
    assert [q.id for q in db.question_log()] == [qid]
    assert db.feedback_rows(old) == []
    db.resolve([qid], "词对")
    assert db.question_log()[0].resolution == "词对"
    db.audit("张三", "publish", "doc1", "plan.docx")
    assert db.audit_entries()[0]["actor"] == "张三"
    db.close()


def test_documents_round_trip(url):
    from qa.admin.db import AdminDB, connect

    db = AdminDB(connect(url))
    db.add_document("d1", "plan.docx", "要点", "0" * 64, 1234, 3, ["1 个条目有提示"], {"year": 2025, "kind": "要点"})
    db.set_status("d1", "published")
    doc = db.document("d1")
    assert (doc["status"], doc["items"], doc["warnings"], doc["meta"]["year"]) == ("published", 3, ["1 个条目有提示"], 2025)
    assert [d["id"] for d in db.document_list()] == ["d1"]
    assert db.document("nope") is None
    db.close()


def test_unanswered_report_groups_similar_questions_most_frequent_first():
    from qa.admin.db import LoggedQuestion
    from qa.admin.report import unanswered

    def q(i, text, refused=False, votes=(), score=0.5, resolution=""):
        return LoggedQuestion(str(i), 1000.0 - i, text, "search", refused, "", score, 1.0, "答", [], resolution, votes)

    log = [q(1, "孩子戏水谁来管?", refused=True), q(2, "孩子戏水谁管", refused=True), q(3, "校车谁负责", votes=("down",)),
           q(4, "孩子戏水归谁管呢", refused=True), q(5, "食堂卫生", score=0.01), q(6, "答得好", votes=("up",)),
           LoggedQuestion("8", 1.0, "区教育局负责哪些工作?", "unit", False, "", 0.0, 1.0, "答", [], ""),
           q(7, "已处理的问题", refused=True, resolution="词对")]
    groups = [g.to_dict() for g in unanswered(log)]
    assert [(g["question"], g["count"]) for g in groups] == [("孩子戏水谁来管?", 3), ("校车谁负责", 1), ("食堂卫生", 1)]
    assert groups[1]["reasons"] == ["差评"] and groups[2]["reasons"] == ["低置信"]
