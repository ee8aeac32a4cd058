"""Reader speed on hostile input: one line of 1, 10 and 50 MB without punctuation.

Each size runs in its own process with a time bound (``--timeout``, default
120 s), so a reader that has gone quadratic shows as "timeout" instead of
hanging the benchmark. Prints seconds and peak memory per size.

    python bench/reader.py [--sizes 1,10,50] [--timeout 120]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Chinese letters are word characters to a regular expression: one long run of them
# with no dot or stop is what made the boilerplate check quadratic.
WORDS = "未成年人保护工作要点加强组织领导完善工作机制"
CHILD = """
import json, resource, sys, time
from pathlib import Path
from qa.ingest.limits import ReadLimits
from qa.read import read_document
path = Path(sys.argv[1])
started = time.perf_counter()
doc = read_document(path, path.parent, ReadLimits(max_file_bytes=path.stat().st_size))
print(json.dumps({"seconds": round(time.perf_counter() - started, 2), "chars": len(doc.text),
                  "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}))
"""


def one_line_file(folder: Path, megabytes: int) -> Path:
    path = folder / f"line-{megabytes}mb.txt"
    unit = WORDS.encode("utf-8")
    with path.open("wb") as out:
        out.write(unit * (megabytes * (1 << 20) // len(unit)))
    return path


def measure(path: Path, timeout: float) -> dict:
    try:
        run = subprocess.run([sys.executable, "-c", CHILD, str(path)], cwd=ROOT, capture_output=True,
                             text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"seconds": f"timeout (>{timeout:.0f} s)"}
    if run.returncode:
        return {"error": run.stderr.strip().splitlines()[-1:]}
    return json.loads(run.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1,10,50", help="file sizes in MB, comma-separated")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds allowed per size")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for size in (int(s) for s in args.sizes.split(",")):
            result = measure(one_line_file(Path(folder), size), args.timeout)
            print(json.dumps({"megabytes": size, **result}, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
