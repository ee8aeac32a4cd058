"""Embed many texts in checkpointed chunks, so a killed build resumes where it stopped.

Each finished chunk is written under ``<index>/partial/<model>/`` as a pair of files:
its texts (JSON) and their vectors (``.npy``), the vectors renamed into place last, so a
chunk counts only when both are complete. The next build with the same model reads the
chunks back instead of embedding those texts again; a completed build deletes them.
Texts are embedded longest-last in one global length order, so each chunk's batches
hold sentences of similar length (little padding).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from pathlib import Path

import numpy as np

CHUNK = 512  # texts per checkpoint: a kill loses at most this much work


def partial_folder(index_folder: Path, model_id: str) -> Path:
    return Path(index_folder) / "partial" / re.sub(r"[^\w.+-]", "_", model_id)


def load_chunks(folder: Path) -> dict[str, np.ndarray]:
    """Vectors of every complete chunk a previous (interrupted) build left behind."""
    known: dict[str, np.ndarray] = {}
    for vectors_file in sorted(folder.glob("chunk-*.npy")):
        texts_file = vectors_file.with_suffix(".json")
        try:
            texts = json.loads(texts_file.read_text(encoding="utf-8"))
            vectors = np.load(vectors_file)
        except (OSError, ValueError):
            continue  # a chunk cut short by the kill: embed it again
        if len(texts) == len(vectors):
            known.update(zip(texts, vectors))
    return known


def embed_checkpointed(texts: list[str], encoder, folder: Path, progress=None) -> dict[str, np.ndarray]:
    """text -> vector for ``texts``, writing a chunk to ``folder`` after each CHUNK texts."""
    folder.mkdir(parents=True, exist_ok=True)
    order = sorted(texts, key=len)
    bar = _bar(len(order)) if progress else None
    out: dict[str, np.ndarray] = {}
    for start in range(0, len(order), CHUNK):
        chunk = order[start:start + CHUNK]
        vectors = np.asarray(encoder.encode_documents(chunk), dtype=np.float32)
        _write_chunk(folder, chunk, vectors)
        out.update(zip(chunk, vectors))
        if bar is not None:
            bar.update(len(chunk))
    if bar is not None:
        bar.close()
    return out


def discard(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    try:
        folder.parent.rmdir()  # "partial/" itself, once no model has chunks in it
    except OSError:
        pass


def _write_chunk(folder: Path, texts: list[str], vectors: np.ndarray) -> None:
    name = f"chunk-{time.time_ns()}"
    (folder / f"{name}.json").write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
    tmp = folder / f"{name}.tmp.npy"
    np.save(tmp, vectors)
    os.replace(tmp, folder / f"{name}.npy")


def _bar(total: int):
    from tqdm import tqdm

    # tqdm shows done/total, rate and the ETA on stderr; mininterval keeps logs short.
    return tqdm(total=total, unit="句", desc="计算向量", mininterval=2.0, smoothing=0.05)
