"""Export a sentence-transformers folder to ONNX (fp32 plus an int8 dynamically quantised copy).

The graph starts after the word-embedding lookup (it takes ``inputs_embeds``): the word
vectors are saved as a plain array for the serving process to memory-map, and the
vocabulary is trimmed to the scripts Chinese text is written in (qa/encoders/vocab.py).

Runs once per model, at conversion time; this is the only part of the ONNX backend that
imports torch. The folder is written next to its final place and renamed in one step,
and ``export.json`` (written last) records what it was made from.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import warnings
from pathlib import Path

from qa.errors import ModelError

from . import vocab
from .onnx import VARIANTS, WORD_VECTORS

EXPORT_VERSION = 2  # bump when the exported graph changes, so caches are re-exported
OPSET = 17


def export_folder(settings, source: Path) -> Path:
    from qa.model import model_id

    # The version is in the name: processes running an older release keep their own export.
    return Path(settings.model_cache) / "onnx" / f"{model_id(source)}-v{EXPORT_VERSION}"


def is_current(folder: Path, source: Path) -> bool:
    from qa.model import model_id

    try:
        meta = json.loads((folder / "export.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return meta.get("export_version") == EXPORT_VERSION and meta.get("source") == model_id(source)


def export_onnx(source: Path, folder: Path, progress=print) -> Path:
    """Write ``model.onnx``, ``model_int8.onnx``, ``word_vectors.npy``, ``tokenizer.json`` and
    ``export.json`` into ``folder``."""
    from qa.model import model_id

    progress(f"正在把嵌入模型导出为 ONNX(仅首次):{source.name}…")
    folder.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{folder.name}.tmp-", dir=folder.parent))
    try:
        meta = _export(source, work)
        meta.update(export_version=EXPORT_VERSION, source=model_id(source))
        (work / "export.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
        work.chmod(0o755)
        if folder.exists():
            shutil.rmtree(folder, ignore_errors=True)
        try:
            os.replace(work, folder)
        except OSError:
            if not is_current(folder, source):  # another process exported the same model first
                raise
    except ModelError:
        raise
    except Exception as err:
        raise ModelError(f"导出 ONNX 模型失败:{type(err).__name__}: {err}") from err
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return folder


def _export(source: Path, work: Path) -> dict:
    import numpy as np
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from qa.model import load_encoder

    st = load_encoder(source)
    transformer = st[0]
    pooling = _pooling_mode(source)
    tokenizer_json = json.loads((source / "tokenizer.json").read_text(encoding="utf-8"))
    vectors = transformer.auto_model.get_input_embeddings().weight.detach().numpy()
    keep = vocab.kept_ids(tokenizer_json)
    if keep is None:
        keep = list(range(len(vectors)))
    else:
        tokenizer_json = vocab.trim_tokenizer(tokenizer_json, keep)
    (work / "tokenizer.json").write_text(json.dumps(tokenizer_json, ensure_ascii=False), encoding="utf-8")
    # Word vectors live beside the graph, memory-mapped at serving time: a query touches a few
    # dozen rows, so they cost neither load time nor resident memory (see qa/encoders/onnx.py).
    np.save(work / WORD_VECTORS, np.ascontiguousarray(vectors[keep], dtype=np.float32))
    wrapper = _Pooled(transformer.auto_model, pooling).eval()
    embeds = torch.from_numpy(vectors[[[0, 100, 200, 2], [0, 100, 2, 1]]])
    mask = torch.tensor([[1, 1, 1, 1], [1, 1, 1, 0]])
    dynamic = {0: "batch", 1: "seq"}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer notes about Python ints in transformers' masking code
        torch.onnx.export(
            wrapper, (embeds, mask), str(work / "raw.onnx"), input_names=["inputs_embeds", "attention_mask"],
            output_names=["embedding"], opset_version=OPSET, dynamo=False,
            dynamic_axes={"inputs_embeds": dynamic, "attention_mask": dynamic, "embedding": {0: "batch"}})
    # Per-channel scales keep cosine to the fp32 model above 0.995; per-tensor ones drop to 0.985.
    logging.getLogger().setLevel(logging.ERROR)  # onnxruntime.quantization's pre-processing advice
    quantize_dynamic(str(work / "raw.onnx"), str(work / "raw_int8.onnx"),
                     weight_type=QuantType.QInt8, per_channel=True)
    for raw, final in (("raw.onnx", VARIANTS["onnx"]), ("raw_int8.onnx", VARIANTS["onnx-int8"])):
        _optimise_offline(work / raw, work / final)
    tokenizer = transformer.tokenizer
    dim = (getattr(st, "get_embedding_dimension", None) or st.get_sentence_embedding_dimension)()
    new_id = {old: new for new, old in enumerate(keep)}
    return {"dim": int(dim), "pooling": pooling,
            "max_seq_length": int(st.max_seq_length), "prompts": dict(st.prompts),
            "pad_id": new_id[int(tokenizer.pad_token_id)], "pad_token": str(tokenizer.pad_token),
            "vocab": {"kept": len(keep), "of": int(len(vectors))}, "torch": torch.__version__}


def _optimise_offline(raw: Path, final: Path) -> None:
    """Run ONNX Runtime's portable graph optimisations once, here, and save the result: a
    serving process then finds them done and only adds the CPU-specific layout passes.
    'Extended' rather than 'all': the saved graph must not depend on this CPU's layout."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    options.optimized_model_filepath = str(final)
    options.log_severity_level = 3
    ort.InferenceSession(str(raw), options, providers=["CPUExecutionProvider"])
    raw.unlink()


def _pooling_mode(source: Path) -> str:
    config = json.loads((source / "1_Pooling" / "config.json").read_text(encoding="utf-8"))
    modes = [name for name in ("mean_tokens", "cls_token") if config.get(f"pooling_mode_{name}")]
    if len(modes) != 1 or any(v for k, v in config.items()
                              if k.startswith("pooling_mode_") and k[13:] not in modes):
        raise ModelError("ONNX 后端只支持均值或 CLS 池化的模型,请改用 --backend torch")
    return modes[0]


def _pooled_class():
    import torch

    class Pooled(torch.nn.Module):
        """Transformer + pooling + L2 normalisation, as sentence-transformers computes them."""

        def __init__(self, model, pooling: str):
            super().__init__()
            self.model, self.pooling = model, pooling

        def forward(self, inputs_embeds, attention_mask):
            hidden = self.model(inputs_embeds=inputs_embeds, attention_mask=attention_mask).last_hidden_state
            if self.pooling == "cls_token":
                vector = hidden[:, 0]
            else:
                weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
                vector = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(vector, p=2, dim=1)

    return Pooled


def _Pooled(model, pooling):  # noqa: N802 - builds the torch module class lazily
    return _pooled_class()(model, pooling)
