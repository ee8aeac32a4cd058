"""Word's automatic list numbers ("一、", "（一）", "1.") as printed, which python-docx leaves out of the text.

Policy documents typed in Word often number their headings and items with
list numbering instead of typing the numbers; without them the structure
stage sees "加强组织领导" where the page shows "1.加强组织领导". python-docx
does not render numbering, so this follows numbering.xml by hand: each list
instance (numId) counts per level, a higher level resets the deeper ones,
and the level's text pattern ("（%2）") is filled with each level's format.
"""

from __future__ import annotations

CHINESE_DIGITS = "零一二三四五六七八九"
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
HEAVENLY_STEMS = "甲乙丙丁戊己庚辛壬癸"
ROMAN = ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"), (40, "xl"),
         (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"))


def _w(tag: str) -> str:
    from docx.oxml.ns import qn

    return qn(f"w:{tag}")


class Numbering:
    """The numbers of one document's numbered paragraphs, in document order (call ``label`` in order)."""

    def __init__(self, document):
        self.levels: dict[str, dict[int, tuple[str, str, int]]] = {}  # abstractNumId -> ilvl -> (fmt, text, start)
        self.instances: dict[str, tuple[str, dict[int, int]]] = {}  # numId -> (abstractNumId, start overrides)
        self.counters: dict[str, dict[int, int]] = {}
        self.styles = document.styles
        try:
            root = document.part.numbering_part.element
        except (NotImplementedError, KeyError, AttributeError):
            return
        for abstract in root.iter(_w("abstractNum")):
            levels = {}
            for lvl in abstract.iter(_w("lvl")):
                levels[int(lvl.get(_w("ilvl"), "0"))] = (_val(lvl, "numFmt", "decimal"), _val(lvl, "lvlText", ""),
                                                         int(_val(lvl, "start", "1") or 1))
            self.levels[abstract.get(_w("abstractNumId"))] = levels
        for num in root.iter(_w("num")):
            overrides = {int(o.get(_w("ilvl"), "0")): int(_val(o, "startOverride", "1") or 1)
                         for o in num.iter(_w("lvlOverride")) if o.find(_w("startOverride")) is not None}
            self.instances[num.get(_w("numId"))] = (_val(num, "abstractNumId", ""), overrides)

    def label(self, paragraph) -> str:
        """The number Word shows before this paragraph, or "" (not numbered, or a bullet)."""
        num_id, level = self._num_pr(paragraph)
        if num_id is None or num_id not in self.instances:
            return ""
        abstract, overrides = self.instances[num_id]
        levels = self.levels.get(abstract, {})
        if level not in levels:
            return ""
        counts = self.counters.setdefault(num_id, {})
        start = overrides.get(level, levels[level][2])
        counts[level] = counts.get(level, start - 1) + 1
        for deeper in [k for k in counts if k > level]:
            del counts[deeper]
        fmt, text, _ = levels[level]
        if fmt in ("bullet", "none"):
            return ""
        for k in range(9):
            if f"%{k + 1}" in text:
                value = counts.get(k, overrides.get(k, levels.get(k, ("decimal", "", 1))[2]))
                text = text.replace(f"%{k + 1}", format_number(value, levels.get(k, (fmt,))[0]))
        return text

    def _num_pr(self, paragraph) -> tuple[str | None, int]:
        p_pr = paragraph._p.pPr
        num_pr = p_pr.numPr if p_pr is not None else None
        style = paragraph.style
        while num_pr is None and style is not None:  # numbering given by the paragraph style
            style_pr = style.element.pPr
            num_pr = style_pr.numPr if style_pr is not None else None
            style = style.base_style
        if num_pr is None or num_pr.numId is None:
            return None, 0
        num_id = str(num_pr.numId.val)
        return (None if num_id == "0" else num_id), (num_pr.ilvl.val if num_pr.ilvl is not None else 0)


def _val(element, tag: str, default: str) -> str:
    found = element.find(_w(tag))
    return found.get(_w("val"), default) if found is not None else default


def format_number(value: int, fmt: str) -> str:
    """A list counter in Word's number format: chineseCounting 11 -> 十一, decimalEnclosedCircle 3 -> ③."""
    if fmt in ("chineseCounting", "chineseCountingThousand", "japaneseCounting", "taiwaneseCounting",
               "ideographDigital", "chineseLegalSimplified"):
        return chinese(value)
    if fmt == "decimalEnclosedCircle" or fmt == "decimalEnclosedCircleChinese":
        return CIRCLED[value - 1] if 0 < value <= len(CIRCLED) else str(value)
    if fmt in ("ideographTraditional",):
        return HEAVENLY_STEMS[(value - 1) % 10]
    if fmt in ("lowerLetter", "upperLetter"):
        letter = chr(ord("a") + (value - 1) % 26) * ((value - 1) // 26 + 1)
        return letter.upper() if fmt == "upperLetter" else letter
    if fmt in ("lowerRoman", "upperRoman"):
        roman, rest = "", value
        for amount, letters in ROMAN:
            while rest >= amount:
                roman, rest = roman + letters, rest - amount
        return roman.upper() if fmt == "upperRoman" else roman
    if fmt == "decimalFullWidth":
        return "".join(chr(ord(d) + 0xFEE0) for d in str(value))
    if fmt == "decimalZero":
        return f"{value:02d}"
    return str(value)


def chinese(value: int) -> str:
    """1 -> 一, 10 -> 十, 15 -> 十五, 20 -> 二十, 105 -> 一百零五 (list numbers stay well under 1000)."""
    if value <= 0 or value >= 1000:
        return str(value)
    hundreds, rest = divmod(value, 100)
    tens, units = divmod(rest, 10)
    out = CHINESE_DIGITS[hundreds] + "百" if hundreds else ""
    if tens:
        out += ("" if tens == 1 and not hundreds else CHINESE_DIGITS[tens]) + "十"
    elif hundreds and units:
        out += "零"
    return out + (CHINESE_DIGITS[units] if units else "")
