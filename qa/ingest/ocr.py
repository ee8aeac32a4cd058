"""Optical character recognition for scanned pages and photos (RapidOCR, PP-OCR Chinese models).

``rapidocr-onnxruntime`` ships its detection, direction and recognition
models inside the package: nothing is downloaded, at install or at run time.
The engine is built once per process, on the first page that needs it.
"""

from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path

from .extracted import Extracted, Unreadable
from .limits import ReadLimits

MAX_PIXELS = 60_000_000  # a 600 dpi A3 scan; more is a decompression bomb, not a page
LINE_OVERLAP = 0.5  # boxes share a line when they overlap this much of the smaller one's height


@lru_cache(maxsize=1)
def engine():
    try:
        from rapidocr_onnxruntime import RapidOCR
    except ImportError as err:  # OpenCV without the system's libGL, or the package missing
        raise Unreadable(f"OCR 组件不可用({err}),无法识别扫描件;请安装 rapidocr-onnxruntime 及 libgl1") from err
    return RapidOCR()


def recognise(image) -> list[str]:
    """The text lines of a page image (PIL), in reading order: top to bottom, left to right."""
    import numpy as np

    # RapidOCR takes OpenCV's channel order (BGR).
    result, _ = engine()(np.ascontiguousarray(np.asarray(image.convert("RGB"))[:, :, ::-1]))
    return reading_order(result or [])


def reading_order(boxes) -> list[str]:
    """Join recognised boxes into lines: a box belongs to a line when their heights overlap enough."""
    spans = []
    for points, text, _score in boxes:
        ys, xs = [p[1] for p in points], [p[0] for p in points]
        spans.append((min(ys), max(ys), min(xs), text.strip()))
    lines: list[list[tuple]] = []
    for span in sorted(spans, key=lambda s: (s[0] + s[1]) / 2):
        line = lines[-1] if lines else None
        if line and _overlap(line, span) >= LINE_OVERLAP:
            line.append(span)
        else:
            lines.append([span])
    return [_join(sorted(line, key=lambda s: s[2])) for line in lines]


def _overlap(line: list[tuple], span: tuple) -> float:
    top, bottom = min(s[0] for s in line), max(s[1] for s in line)
    shared = min(bottom, span[1]) - max(top, span[0])
    return shared / max(min(bottom - top, span[1] - span[0]), 1)


def _join(spans: list[tuple]) -> str:
    out = ""
    for *_, text in spans:
        if out and text and not (_wide(out[-1]) or _wide(text[0])):
            out += " "
        out += text
    return out


def _wide(char: str) -> bool:
    return ord(char) > 0x2000


def read_image(path: Path, limits: ReadLimits) -> Extracted:
    """A photo or scan of a page: its text through OCR."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with Image.open(path) as opened:
            image = ImageOps.exif_transpose(opened).convert("RGB")
    except Image.DecompressionBombError as err:
        raise Unreadable("图片像素过多,疑似恶意文件,已拒绝") from err
    except (UnidentifiedImageError, OSError, SyntaxError) as err:
        raise Unreadable("图片文件已损坏或格式不支持") from err
    print(f"OCR 识别 {path.name} …", file=sys.stderr)
    lines = recognise(image)
    if not any(line.strip() for line in lines):
        raise Unreadable("图片中没有识别出文字")
    from ..clean import join_wrapped_lines

    return Extracted(join_wrapped_lines(lines).split("\n"), warnings=["图片经OCR识别,请核对文字"])
