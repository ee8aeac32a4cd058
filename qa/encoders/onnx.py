"""ONNX Runtime encoder: the serving path without torch or transformers.

Needs only ``tokenizers``, ``onnxruntime`` and numpy. The ONNX files are exported once
from the sentence-transformers folder (qa/encoders/onnx_export.py, which does need
torch) into the model cache; after that, loading is a file read.

Pooling and normalisation are inside the exported graph, so a forward pass returns the
final unit vectors. The word vectors are outside it, in a memory-mapped array: the lookup
is a numpy gather, and only the rows a text uses are ever read from disk, so a 250k-piece
vocabulary costs a serving process neither start-up time nor resident memory. Documents
are sorted by length before batching: padding a batch of short sentences to one long one
wastes most of the work.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.errors import ModelError

BATCH_SIZE = 32
VARIANTS = {"onnx": "model.onnx", "onnx-int8": "model_int8.onnx"}
WORD_VECTORS = "word_vectors.npy"


@dataclass
class OnnxEncoder:
    folder: Path  # the exported folder (model files, tokenizer, export.json)
    model_id: str
    dim: int
    session: object
    tokenizer: object
    prompts: dict
    word_vectors: np.ndarray  # memory-mapped (vocabulary, dim) float32

    @classmethod
    def load(cls, settings) -> "OnnxEncoder":
        from qa.model import model_id, resolve_model

        from .onnx_export import export_folder, is_current

        source = resolve_model(settings)
        folder = export_folder(settings, source)
        if not is_current(folder, source):
            from .onnx_export import export_onnx  # torch: only on the first use of a model

            export_onnx(source, folder)
        return cls.open(folder, settings.backend, f"{model_id(source)}+{settings.backend}", settings.threads)

    @classmethod
    def open(cls, folder: Path, backend: str, model_id: str, threads: int = 0) -> "OnnxEncoder":
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as err:
            raise ModelError(f"ONNX 后端需要 onnxruntime:pip install onnxruntime({err})") from err
        meta = json.loads((folder / "export.json").read_text(encoding="utf-8"))
        options = ort.SessionOptions()
        # The saved graph was optimised at export (onnx_export._optimise_offline); only the
        # CPU-specific layout passes are left, and they are cheap.
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = threads or (os.cpu_count() or 1)
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # no warnings about unused initialisers in server logs
        try:
            session = ort.InferenceSession(str(folder / VARIANTS[backend]), options,
                                           providers=["CPUExecutionProvider"])
            word_vectors = np.load(folder / WORD_VECTORS, mmap_mode="r")
        except Exception as err:
            raise ModelError(f"无法加载 ONNX 模型 {folder}:{type(err).__name__}: {err}") from err
        tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        tokenizer.enable_truncation(meta["max_seq_length"])
        tokenizer.enable_padding(pad_id=meta["pad_id"], pad_token=meta["pad_token"])
        return cls(folder, model_id, meta["dim"], session, tokenizer, meta["prompts"], word_vectors)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode([self.prompts.get("query", "") + t for t in texts])

    def encode_documents(self, texts: list[str], progress: bool = False) -> np.ndarray:
        return self._encode([self.prompts.get("document", "") + t for t in texts], progress)

    def _encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        order = np.argsort([len(t) for t in texts], kind="stable")  # characters track tokens closely
        bar = _bar(len(texts)) if progress else None
        for start in range(0, len(texts), BATCH_SIZE):
            rows = order[start:start + BATCH_SIZE]
            out[rows] = self._forward([texts[i] for i in rows])
            if bar is not None:
                bar.update(len(rows))
        if bar is not None:
            bar.close()
        return out

    def _forward(self, texts: list[str]) -> np.ndarray:
        encoded = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        return self.session.run(None, {"inputs_embeds": self.word_vectors[ids], "attention_mask": mask})[0]


def _bar(total: int):
    from tqdm import tqdm

    return tqdm(total=total, unit="句", desc="向量", mininterval=1.0, smoothing=0.1)
