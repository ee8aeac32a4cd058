"""Command line: python -m qa (or policy-qa) build | ask | serve | eval | docs | items | units.

Each command builds Settings, calls the library, prints. Library errors become
a one-line Chinese message and exit code 1, never a traceback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .errors import QAError
from .settings import Settings

CORPUS = click.option("--corpus", "corpus_dir", type=click.Path(path_type=Path), default=None,
                      envvar="QA_CORPUS_DIR", help="Folder of policy documents / 政策文件目录 [default: corpus]")
INDEX = click.option("--index", "index_dir", type=click.Path(path_type=Path), default=None,
                     envvar="QA_INDEX_DIR", help="Index folder / 索引目录 [default: index]")
MODEL = click.option("--model", default=None, envvar="QA_MODEL",
                     help="Embedding model: a local sentence-transformers folder "
                          "[default: built-in multilingual-e5-small]")
JSON = click.option("json_", "--json", is_flag=True, help="Output JSON / 输出 JSON")


def info(message: str) -> None:
    click.echo(message, err=True)


class Failure(click.ClickException):
    """A one-line Chinese error and exit code 1 (click would prefix "Error: ")."""

    def show(self, file=None) -> None:
        click.echo(f"错误:{self.format_message()}", err=True)


def run(fn):
    """Call into the library; a QAError is shown as its Chinese message."""
    try:
        return fn()
    except QAError as err:
        raise Failure(str(err)) from err


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="policy-qa")
def cli():
    """政策问答: cited answers from Chinese policy documents.

    \b
    Quick start:
      python -m qa build                      # read corpus/, build index/
      python -m qa ask "谁负责校园欺凌防治?"
      python -m qa serve                      # chat + JSON API on http://127.0.0.1:7860
    """


def load_corpus(corpus_dir):
    """Documents and items of the corpus; unreadable files are reported on stderr, never silently."""
    from .corpus import load_corpus as load

    settings = Settings.from_env(corpus_dir=corpus_dir)
    corpus = run(lambda: load(settings.corpus_dir))
    for problem in corpus.problems:
        info(f"跳过:{problem}")
    return corpus


DOC_FIELDS = ("id", "title", "issuer", "number", "date", "year", "kind", "shape")


@cli.command()
@CORPUS
@JSON
def docs(corpus_dir, json_):
    """List every document with its metadata, item and unit counts and warnings.

    \b
    Check a new document before serving it:
      python -m qa docs --corpus new/          # year, kind, shape, warnings
      python -m qa items --corpus new/ --json  # every item with its units
    """
    corpus = load_corpus(corpus_dir)
    for doc in corpus.documents:
        items = [it for it in corpus.items if it.doc_id == doc.id]
        units = list(dict.fromkeys(u for it in items for u in it.units))
        if json_:
            row = {"source": doc.source, **{f: getattr(doc, f) for f in DOC_FIELDS},
                   "items": len(items), "units": len(units), "warnings": doc.warnings}
            click.echo(json.dumps(row, ensure_ascii=False))
            continue
        click.echo(f"{doc.source}  《{doc.title}》 {doc.year or '年份不详'} {doc.kind or '-'} {doc.issuer or '-'} "
                   f"{doc.number or '-'} {doc.date or '-'}  形式:{doc.shape}  {len(items)} 条,{len(units)} 个单位,"
                   f"{len(doc.warnings)} 条提示")
        for warning in doc.warnings:
            click.echo(f"    提示:{warning}")


@cli.command()
@CORPUS
@JSON
def items(corpus_dir, json_):
    """List the work items read from the corpus (one JSON object per line with --json)."""
    corpus = load_corpus(corpus_dir)
    documents = {doc.id: doc for doc in corpus.documents}
    for item in corpus.items:
        if json_:
            doc = documents[item.doc_id]
            row = {**item.to_dict(), "document": {f: getattr(doc, f) for f in DOC_FIELDS}}
            click.echo(json.dumps(row, ensure_ascii=False))
        else:
            number = item.number or "-"
            extra = (f"  义务主体:{'、'.join(item.duty_holders)}" if item.duty_holders else "") + (
                f"  完成时限:{item.deadline}" if item.deadline else "")
            click.echo(f"{item.source}  {' › '.join(item.section)}  {number} {item.title}  "
                       f"[{'、'.join(item.units)}]{extra}")


@cli.command()
@CORPUS
@JSON
def units(corpus_dir, json_):
    """List every responsible unit with the number of items naming it."""
    from .units import UnitRegistry

    registry = UnitRegistry(load_corpus(corpus_dir).items)
    for unit, count in registry.counts():
        if json_:
            click.echo(json.dumps({"unit": unit, "items": count, "item_ids": registry.items_of[unit]},
                                  ensure_ascii=False))
        else:
            click.echo(f"{count:4d}  {unit}")


@cli.command()
@CORPUS
@INDEX
@MODEL
@click.option("--force", is_flag=True, help="Rebuild even if nothing changed")
def build(corpus_dir, index_dir, model, force):
    """Read the corpus and build the search index (only what changed is re-embedded)."""
    from .embed import SentenceEncoder
    from .index import build_index

    settings = Settings.from_env(corpus_dir=corpus_dir, index_dir=index_dir, model=model)
    encoder = run(lambda: SentenceEncoder.load(settings))
    report = run(lambda: build_index(settings.corpus_dir, settings.index_dir, encoder, info, force))
    for problem in report.problems:
        info(f"跳过:{problem}")
    for doc in report.documents:
        info(f"{doc.source}:{doc.year or '年份不详'} {doc.kind or '-'},形式 {doc.shape},"
             f"提示 {len(doc.warnings)} 条(详见 python -m qa docs)")
    if report.up_to_date:
        click.echo(f"索引已是最新:{report.items} 条工作,{report.sentences} 个句子({report.folder})")
    else:
        click.echo(f"索引已建成:{report.items} 条工作,{report.sentences} 个句子,"
                   f"新计算向量 {report.embedded} 个({report.folder})")


@cli.command()
@click.argument("question", required=False)
@INDEX
@CORPUS
@MODEL
@click.option("--top-k", type=click.IntRange(1, 50), default=None, help="Items per answer [default: 5]")
@click.option("--doc", default=None, help="Answer only from this document (file name, id or title)")
@click.option("--year", type=click.IntRange(1900, 2100), default=None,
              help="Answer only from documents of this year")
@JSON
@click.option("--jsonl", "jsonl", type=click.File("r", encoding="utf-8"), default=None,
              help='Answer many: a file (or - for stdin) of {"question": ...} or plain lines')
def ask(question, index_dir, corpus_dir, model, top_k, doc, year, json_, jsonl):
    """Answer a question with cited work items.

    \b
    Examples:
      python -m qa ask "谁负责校园欺凌防治?"
      python -m qa ask "市民政局负责哪些工作?" --json
      python -m qa ask "市民政局负责哪些工作?" --year 2024
      python -m qa ask --jsonl questions.jsonl > answers.jsonl
    """
    from .service import QAService

    if not question and jsonl is None:
        raise click.UsageError("请给出问题,或用 --jsonl 指定问题文件。")
    settings = Settings.from_env(index_dir=index_dir, corpus_dir=corpus_dir, model=model, top_k=top_k)
    service = run(lambda: QAService.open(settings, info))
    if jsonl is not None:
        try:
            for line in jsonl:
                if line.strip():
                    click.echo(json.dumps(_answer_line(service, line, top_k, doc, year), ensure_ascii=False))
        except UnicodeDecodeError:
            raise Failure(f"问题文件 {jsonl.name} 不是 UTF-8 编码,请另存为 UTF-8 后再试。") from None
        return
    answer = run(lambda: service.ask(question, top_k, doc=doc, year=year))
    click.echo(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2) if json_ else answer.answer)


def _answer_line(service, line: str, top_k, doc=None, year=None) -> dict:
    """One JSONL input line -> one answer object; a bad line answers with its error, in place."""
    try:
        data = json.loads(line)
        question = data.get("question") if isinstance(data, dict) else data
    except json.JSONDecodeError:
        question = line.strip()
    try:
        return service.ask(question, top_k, doc=doc, year=year).to_dict()
    except QAError as err:
        return {"question": question if isinstance(question, str) else str(question), "refused": True,
                "answer": str(err), "results": [], "error": str(err)}


@cli.command()
@INDEX
@CORPUS
@MODEL
@click.option("--host", default=None, envvar="QA_HOST", help="Bind address [default: 127.0.0.1]")
@click.option("--port", type=int, default=None, envvar="QA_PORT", help="Port [default: 7860]")
@click.option("--allow-origin", "allow_origins", multiple=True,
              help="Origin allowed to frame and call the service (repeatable) [default: same origin only]")
@click.option("--allowed-host", "allowed_hosts", multiple=True,
              help="Extra host name clients use to reach the server, e.g. behind a proxy (repeatable)")
@click.option("--auth-token", default=None, envvar="QA_AUTH_TOKEN",
              help="Require this shared token (visible in ps: prefer --auth-token-file)")
@click.option("--auth-token-file", type=click.Path(path_type=Path), default=None, envvar="QA_AUTH_TOKEN_FILE",
              help="Read the shared token from this file")
def serve(index_dir, corpus_dir, model, host, port, allow_origins, allowed_hosts, auth_token, auth_token_file):
    """Serve the chat, the JSON API and the widget (Ctrl-C stops)."""
    from ui.server import serve as run_server

    settings = Settings.from_env(index_dir=index_dir, corpus_dir=corpus_dir, model=model, host=host,
                                 port=port, allow_origins=tuple(allow_origins) or None,
                                 allowed_hosts=tuple(allowed_hosts) or None,
                                 auth_token=auth_token, auth_token_file=auth_token_file)
    run(lambda: run_server(settings, info))


@cli.command(name="eval")
@click.argument("questions", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                default=Path("eval/questions.jsonl"))
@INDEX
@CORPUS
@MODEL
@JSON
def evaluate_cmd(questions, index_dir, corpus_dir, model, json_):
    """Score answers on a question set: Recall@1/3, MRR per kind, units, refusals."""
    from .evaluate import evaluate, format_report, load_questions
    from .service import QAService

    settings = Settings.from_env(index_dir=index_dir, corpus_dir=corpus_dir, model=model)
    service = run(lambda: QAService.open(settings, info))
    report = evaluate(service, run(lambda: load_questions(questions)))
    click.echo(json.dumps(report, ensure_ascii=False, indent=2) if json_ else format_report(report))


def main():
    try:
        cli(prog_name="python -m qa")
    except Exception as err:  # a bug: one line with an id; the traceback only where QA_DEBUG_LOG says
        import traceback
        import uuid

        error_id = uuid.uuid4().hex[:10]
        debug_log = Settings.from_env().debug_log
        if debug_log:
            with open(debug_log, "a", encoding="utf-8") as log:
                log.write(f"error {error_id}\n{traceback.format_exc()}\n")
        click.echo(f"错误:程序内部错误(错误编号 {error_id},{type(err).__name__})。", err=True)
        sys.exit(1)


if __name__ == "__main__":
    sys.exit(main())
