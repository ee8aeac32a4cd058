"""Export a sentence-transformers folder to ONNX (fp32 plus an int8 dynamically quantised copy).

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

EXPORT_VERSION = 1  # bump when the exported graph changes, so caches are re-exported
OPSET = 17


def export_folder(settings, source: Path) -> Path:
    from qa.model import model_id

    return Path(settings.model_cache) / "onnx" / model_id(source)


def is_current(folder: Path, source: Path) -> bool:
    from qa.model import model_id

    try:
        meta = json.loads((folder / "export.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return meta.get("export_version") == EXPORT_VERSION and meta.get("source") == model_id(source)


def export_onnx(source: Path, folder: Path, progress=print) -> Path:
    """Write ``model.onnx``, ``model_int8.onnx``, ``tokenizer.json`` and ``export.json`` into ``folder``."""
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
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from qa.model import load_encoder

    st = load_encoder(source)
    transformer = st[0]
    pooling = _pooling_mode(source)
    wrapper = _Pooled(transformer.auto_model, pooling).eval()
    ids = torch.tensor([[0, 100, 200, 2], [0, 100, 2, 1]])
    mask = torch.tensor([[1, 1, 1, 1], [1, 1, 1, 0]])
    dynamic = {0: "batch", 1: "seq"}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer notes about Python ints in transformers' masking code
        torch.onnx.export(
            wrapper, (ids, mask), str(work / "model.onnx"), input_names=["input_ids", "attention_mask"],
            output_names=["embedding"], opset_version=OPSET, dynamo=False,
            dynamic_axes={"input_ids": dynamic, "attention_mask": dynamic, "embedding": {0: "batch"}})
    # Per-channel scales keep cosine to the fp32 model above 0.995; per-tensor ones drop to 0.985.
    logging.getLogger().setLevel(logging.ERROR)  # onnxruntime.quantization's pre-processing advice
    quantize_dynamic(str(work / "model.onnx"), str(work / "model_int8.onnx"),
                     weight_type=QuantType.QInt8, per_channel=True)
    tokenizer = transformer.tokenizer
    shutil.copy(source / "tokenizer.json", work / "tokenizer.json")
    dim = (getattr(st, "get_embedding_dimension", None) or st.get_sentence_embedding_dimension)()
    return {"dim": int(dim), "pooling": pooling,
            "max_seq_length": int(st.max_seq_length), "prompts": dict(st.prompts),
            "pad_id": int(tokenizer.pad_token_id), "pad_token": str(tokenizer.pad_token),
            "torch": torch.__version__}


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

        def forward(self, input_ids, attention_mask):
            hidden = self.model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            if self.pooling == "cls_token":
                vector = hidden[:, 0]
            else:
                weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
                vector = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(vector, p=2, dim=1)

    return Pooled


def _Pooled(model, pooling):  # noqa: N802 - builds the torch module class lazily
    return _pooled_class()(model, pooling)
