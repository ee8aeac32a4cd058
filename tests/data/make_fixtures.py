"""Write the test documents of tests/data and their oracles.

Run from the repository root:  .venv/bin/python tests/data/make_fixtures.py

Two policy documents of our own making, in the genre of the default corpus but
with other conventions, each written out the way such files really arrive:

* district-school-safety-2024: items numbered 1. directly under 一、, units as
  （牵头单位：…；配合单位：…）, one (…等按照职责分工负责), one (A牵头，B配合) with a
  ``*`` placeholder unit, line-break spaces inside words. Saved as a GBK .txt,
  as a UTF-8-with-BOM .md, and as scraped pages (in order and shuffled).
* county-elderly-care-2024: 一、 / （一） / （1） with full-width brackets, the
  （1） numbering starting again under each （一）, units in a ``责任单位：…``
  paragraph (once inline after the item's last sentence), ``等`` lists, a ``*``
  placeholder unit. Saved as .docx (python-docx; a contact table at the end)
  and as a text-layer .pdf written by hand with the standard CJK font
  STSong-Light (not embedded; pypdf and pdftotext both extract it).

The oracle ``<stem>.expected.json`` lists the items exactly as written here:
the units are what a careful reader lists, not what a parser found. Numbers
follow the project's convention for ``WorkItem.number``: digits without the
trailing dot ("3"), bracketed numbers in ASCII brackets ("（1）" -> "(1)");
section headings stay exactly as printed.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
import zlib
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).parent

# Blocks: ("title" | "para" | "h1" | "h2", text) or ("item", paragraphs, oracle).
# Spaces inside words in SCHOOL are line-break spaces, as copied from a PDF.
SCHOOL = [
    ("title", "*区2024年中小学校园安全工作要点"),
    ("para", "2024年是深入推进平安校园建设的关键之年。为进一步压实校园安全责任，提升学校安全治理能力，"
             "切实保障全区中小学生和幼儿生命财产安全，根据市教育局关于做好2024年校园安全工作的部署要求，"
             "结合我区实际，制定本工作要点。"),
    ("h1", "一、压实安全工作责任"),
    ("item", ["1.健全责任体系。落实党政同责、一岗双责、齐抓共管、失职追责要求，区教 育局与各中小学、幼儿园"
              "逐级签订安全工作责任书，明确校长（园长）为本单位安全工作第一责任人，分管负责人为直接责任人。"
              "每季度召开一次校园安全形势分析会，研判风险隐患，研究解决突出问题。"
              "（牵头单位：区教育局；配合单位：区公安分局、区卫生 健康局）"],
     {"number": "1", "title": "健全责任体系", "lead_units": ["区教育局"],
      "co_units": ["区公安分局", "区卫生健康局"]}),
    ("item", ["2.完善工作机制。建立学校安全风险清单和问题整改台账，实行“排查—交办—整改—销号”闭环管理，"
              "做到责任、措施、时限“三落实”。对隐患整改不到位的学校，由区教育局约谈校长并在全区通报。"
              "（牵头单位：区教育局；配合单位：区应急管理局、区市场监管局、区消防救援大队）"],
     {"number": "2", "title": "完善工作机制", "lead_units": ["区教育局"],
      "co_units": ["区应急管理局", "区市场监管局", "区消防救援大队"]}),
    ("item", ["3.强化考核督导。将校园安全工作纳入对各镇（街道）和学校的年度考核，实行安全事故“一票否决”。"
              "开展春秋两季安全专项督导，督导结果向社会公开，并作为评先评优的重要 依据。"
              "（牵头单位：区政府教育督导室；配合单位：区教育局、各镇人民政府、各街道办事处）"],
     {"number": "3", "title": "强化考核督导", "lead_units": ["区政府教育督导室"],
      "co_units": ["区教育局", "各镇人民政府", "各街道办事处"]}),
    ("h1", "二、加强校园安全防范"),
    ("item", ["4.提升技防水平。推进中小学、幼儿园“一键报警”系统与公安机关联网，校园出入口、食堂、宿舍等"
              "重点部位视频监控覆盖率达到100%。年内完成12所农村学校周界报警设施改造，实现技防设施全 覆盖。"
              "（牵头单位：区公安分局；配合单位：区教育局、区财政局）"],
     {"number": "4", "title": "提升技防水平", "lead_units": ["区公安分局"],
      "co_units": ["区教育局", "区财政局"]}),
    ("item", ["5.配齐专职保安。按照每校不少于2名的标准配备专职保安员，寄宿制学校夜间至少安排1名保安值守。"
              "加强保安员岗前培训和日常演练，持证上岗率达到100%，严禁聘用有违法犯罪记录的人员。"
              "（牵头单位：区公安分局；配合单位：区教育局、区人力资源和社会 保障局）"],
     {"number": "5", "title": "配齐专职保安", "lead_units": ["区公安分局"],
      "co_units": ["区教育局", "区人力资源和社会保障局"]}),
    ("item", ["6.整治周边环境。开展校园周边治安、交通、食品、文化市场综合整治，依法查处校园周边200米内"
              "违规经营的网吧、娱乐场所和无证摊点。在上下学时段落实“护学岗”制度，高峰时段见警率不低于90%。"
              "（区公安分局、区市场监管局、区文化和 旅游局、区城市管理局等按照职责分工负责）"],
     {"number": "6", "title": "整治周边环境",
      "units": ["区公安分局", "区市场监管局", "区文化和旅游局", "区城市管理局"]}),
    ("h1", "三、防范化解重点风险"),
    ("item", ["7.防范学生溺水。汛期前对辖区内河道、水库、坑塘开展隐患排查，在危险水域设置警示标志和救生设施。"
              "利用家长会、致家长一封信等形式开展防溺水教育，暑假期间每周至少开展一次安全提醒。"
              "（牵头单位：区教育局；配合单位：区水务局、各镇人民政府、各街道办事处）"],
     {"number": "7", "title": "防范学生溺水", "lead_units": ["区教育局"],
      "co_units": ["区水务局", "各镇人民政府", "各街道办事处"]}),
    ("item", ["8.保障食品安全。落实学校食品安全校长（园长）负责制和集中用餐陪餐制度，推进“互联网+明厨亮灶”"
              "建设，全区学校食堂覆盖率达到95%以上。每学期开展一次食品安全联合检查，严防食物中毒事件发生。"
              "（牵头单位：区市场监管局；配合单位：区教育局、区卫生健康局）"],
     {"number": "8", "title": "保障食品安全", "lead_units": ["区市场监管局"],
      "co_units": ["区教育局", "区卫生健康局"]}),
    ("item", ["9.加强心理健康教育。每所中小学至少配备1名专职心理健康教师，每学年开展一次学生心理健康测评，"
              "对需要重点关注的学生建立“一生一档”。畅通心理危机转介通道，与区精神卫生中心建立协作机制。"
              "（*区未成年人保护工作领导小组办公室牵头，区教育局、区卫生健康局、团区委配合）"],
     {"number": "9", "title": "加强心理健康教育", "lead_units": ["*区未成年人保护工作领导小组办公室"],
      "co_units": ["区教育局", "区卫生健康局", "团区委"]}),
    ("item", ["10.做好校车安全管理。严格校车使用许可，定期对校车及驾驶人开展安全检查，确保车况良好、"
              "驾驶人资质合格。严厉查处接送学生车辆超员、超速等违法行为，坚决杜绝学生乘坐无牌无证车辆。"
              "（牵头单位：区交通运输局；配合单位：区公安分局、区教育局）"],
     {"number": "10", "title": "做好校车安全管理", "lead_units": ["区交通运输局"],
      "co_units": ["区公安分局", "区教育局"]}),
]

ELDERLY = [
    ("title", "*县2024年养老服务工作要点"),
    ("para", "为积极应对人口老龄化，加快构建居家社区机构相协调、医养康养相结合的养老服务体系，根据省、市关于"
             "推进基本养老服务体系建设的部署要求，结合我县实际，制定本要点。"),
    ("h1", "一、完善养老服务网络"),
    ("h2", "（一）发展居家社区养老服务"),
    ("item", ["（1）推进社区养老服务设施建设。新建住宅小区按照每百户不少于20平方米的标准配建养老服务设施，"
              "与住宅同步规划、同步建设、同步验收、同步交付。老旧小区通过购置、置换、租赁等方式补足短板。"
              "年内新建社区养老服务中心3个，改造提升村级互助养老服务站15个。",
              "责任单位：县民政局、县自然资源局、县住房城乡建设局"],
     {"number": "(1)", "title": "推进社区养老服务设施建设",
      "units": ["县民政局", "县自然资源局", "县住房城乡建设局"]}),
    ("item", ["（2）开展家庭养老床位建设。为经济困难的失能、半失能老年人建设家庭养老床位100张，提供助餐、助浴、"
              "助洁、助医等上门服务，所需经费从福利彩票公益金中列支。建立服务质量回访制度，每季度抽查一次服务记录。",
              "责任单位：县民政局、县财政局、县卫生健康局"],
     {"number": "(2)", "title": "开展家庭养老床位建设",
      "units": ["县民政局", "县财政局", "县卫生健康局"]}),
    ("item", ["（3）发展老年助餐服务。依托社区养老服务中心、村级幸福院设立老年食堂或助餐点，年内助餐点覆盖全部"
              "城市社区和60%以上的行政村。对特困、低保等困难老年人给予就餐补贴，鼓励餐饮企业参与老年助餐服务。",
              "责任单位：县民政局、县市场监管局、各乡镇（街道）等"],
     {"number": "(3)", "title": "发展老年助餐服务",
      "units": ["县民政局", "县市场监管局", "各乡镇（街道）"]}),
    ("h2", "（二）提升机构养老服务能力"),
    ("item", ["（1）推进公办养老机构改革。对县社会福利中心实施提升改造，增加护理型床位，护理型床位占比达到60%以上。"
              "探索公建民营模式，引入专业机构运营乡镇敬老院，提高床位利用率。",
              "责任单位：县民政局、县发展改革局"],
     {"number": "(1)", "title": "推进公办养老机构改革", "units": ["县民政局", "县发展改革局"]}),
    ("item", ["（2）加强养老机构安全管理。开展养老机构消防、食品、建筑安全隐患排查整治，建立问题清单并限期整改，"
              "年内完成全部养老机构消防设施达标改造。责任单位：县民政局、县消防救援大队、县市场监管局。"],
     {"number": "(2)", "title": "加强养老机构安全管理",
      "units": ["县民政局", "县消防救援大队", "县市场监管局"]}),
    ("h1", "二、推进医养康养融合发展"),
    ("h2", "（一）深化医养结合"),
    ("item", ["（1）推动签约合作全覆盖。推动医疗卫生机构与养老机构签约合作，签约率达到100%。支持有条件的乡镇"
              "卫生院利用闲置床位开展医养结合服务，为入住老年人提供定期巡诊和健康管理。",
              "责任单位：县卫生健康局、县民政局"],
     {"number": "(1)", "title": "推动签约合作全覆盖", "units": ["县卫生健康局", "县民政局"]}),
    ("item", ["（2）加强老年健康服务。为65岁及以上老年人提供免费健康体检，建立电子健康档案，老年人健康管理率达到"
              "70%以上。推进家庭医生签约服务，优先为失能、高龄老年人提供上门医疗服务。",
              "责任单位：县卫生健康局、县医保局"],
     {"number": "(2)", "title": "加强老年健康服务", "units": ["县卫生健康局", "县医保局"]}),
    ("h2", "（二）丰富老年人精神文化生活"),
    ("item", ["（1）发展老年教育。扩大老年教育资源供给，推动老年大学向乡镇延伸，年内新建老年学习点10个。开发适合"
              "老年人的智能技术应用课程，帮助老年人跨越“数字鸿沟”。",
              "责任单位：县教育体育局、县委老干部局、*县老年大学"],
     {"number": "(1)", "title": "发展老年教育", "units": ["县教育体育局", "县委老干部局", "*县老年大学"]}),
    ("item", ["（2）开展老年文体活动。组织开展重阳节敬老月系列活动，举办老年人健身运动会和文艺汇演。依托新时代"
              "文明实践站开展适合老年人的文化活动，丰富老年人精神生活。",
              "责任单位：县文化和旅游局、县教育体育局、县老龄办等"],
     {"number": "(2)", "title": "开展老年文体活动", "units": ["县文化和旅游局", "县教育体育局", "县老龄办"]}),
    ("h1", "三、强化养老服务保障"),
    ("h2", "（一）加强人才队伍建设"),
    ("item", ["（1）开展养老护理员培训。全年培训养老护理员300人次以上，落实养老护理员特殊岗位津贴，提高护理人员"
              "职业吸引力。支持职业院校开设养老服务相关专业。",
              "责任单位：县人力资源社会保障局、县民政局、县教育体育局"],
     {"number": "(1)", "title": "开展养老护理员培训",
      "units": ["县人力资源社会保障局", "县民政局", "县教育体育局"]}),
    ("h2", "（二）加大资金投入"),
    ("item", ["（1）落实运营补贴。按照床位数和服务人数对社区养老服务中心给予运营补贴，福利彩票公益金用于养老服务的"
              "比例不低于55%。建立补贴资金绩效评价机制，确保资金使用效益。",
              "责任单位：县财政局、县民政局"],
     {"number": "(1)", "title": "落实运营补贴", "units": ["县财政局", "县民政局"]}),
]

BOILERPLATE = ("《*区2024年中小学校园安全工作要点.doc》由会员分享,可在线阅读,更多相关《*区2024年中小学校园安全"
               "工作要点.doc(9页珍藏版)》请在文档分享网|www.example-docs.cn|免费下载上搜索。")
PAGE_WIDTH = 200  # characters per scraped page, line-break spaces included
BREAK_EVERY = 37  # a line-break space roughly every this many characters


def paragraphs(blocks) -> list[str]:
    """Every printed paragraph of a document, in order."""
    out = []
    for block in blocks:
        out.extend(block[1] if block[0] == "item" else [block[1]])
    return out


def oracle(blocks) -> list[dict]:
    """The items as a careful reader lists them (units = lead + co where the document says so)."""
    items, section = [], []
    for block in blocks:
        kind = block[0]
        if kind == "h1":
            section = [block[1]]
        elif kind == "h2":
            section = section[:1] + [block[1]]
        elif kind == "item":
            facts = block[2]
            lead, co = facts.get("lead_units", []), facts.get("co_units", [])
            items.append({"section": list(section), "number": facts["number"], "title": facts["title"],
                          "units": facts.get("units", lead + co), "lead_units": lead, "co_units": co})
    return items


def check(blocks) -> None:
    """Catch typos: every oracle unit and title is printed in its item, nothing invented."""
    for block in blocks:
        if block[0] != "item":
            continue
        text = "".join("".join(block[1]).split())
        facts = block[2]
        assert facts["title"] + "。" in text, facts["title"]
        for unit in facts.get("units", []) + facts.get("lead_units", []) + facts.get("co_units", []):
            assert unit in text[text.rindex("。"):] or unit in text.split("责任单位：")[-1], unit


def write_oracle(stem: str, blocks) -> None:
    path = HERE / f"{stem}.expected.json"
    path.write_text(json.dumps(oracle(blocks), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def school_text() -> str:
    lines = []
    for block in SCHOOL:
        if block[0] == "h1":
            lines.append("")
        lines.extend(block[1] if block[0] == "item" else [block[1]])
    return "\n".join(lines) + "\n"


def school_markdown() -> str:
    lines = []
    for block in SCHOOL:
        kind, body = block[0], block[1]
        if kind == "title":
            lines += [f"# {body}", ""]
        elif kind == "h1":
            lines += ["", f"## {body}", ""]
        else:
            lines += (body if kind == "item" else [body]) + [""]
    return "\n".join(lines)


def write_docx(path: Path, blocks) -> None:
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    document = docx.Document()
    for block in blocks:
        kind = block[0]
        if kind == "title":
            heading = document.add_heading(block[1], level=0)
            heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif kind in ("h1", "h2"):
            document.add_heading(block[1], level=1 if kind == "h1" else 2)
        else:
            for text in block[1] if kind == "item" else [block[1]]:
                document.add_paragraph(text)
    # A contact table at the end: tables must be read too, cell by cell.
    table = document.add_table(rows=2, cols=2)
    for row, (label, value) in zip(table.rows, [("联系人", "县民政局养老服务股"), ("联系电话", "0000-12345678")]):
        row.cells[0].text, row.cells[1].text = label, value
    properties = document.core_properties
    properties.title = blocks[0][1]
    properties.created = properties.modified = datetime(2024, 3, 1, 9, 0, 0)
    buffer = io.BytesIO()
    document.save(buffer)
    path.write_bytes(_same_every_time(buffer.getvalue()))


def _same_every_time(package: bytes) -> bytes:
    """The zip with fixed entry dates, so regenerating the fixture changes no byte."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=(2024, 3, 1, 9, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, source.read(entry))
    return out.getvalue()


# --- a text-layer PDF by hand -------------------------------------------------
# Type0 font STSong-Light with the predefined CMap UniGB-UTF16-H (codes are
# UTF-16BE), plus a ToUnicode map so any extractor gets the characters back.

FONT_SIZE, LEADING, MARGIN, LINE_EM = 12, 20, 72, 36
PAGE_W, PAGE_H = 595, 842


def _em(char: str) -> float:
    return 0.5 if ord(char) < 128 else 1.0


def _wrap(text: str, first_indent: float) -> list[tuple[float, str]]:
    lines, current, width, indent = [], "", 0.0, first_indent
    for char in text:
        # Chinese typesetting: closing punctuation never starts a line.
        if width + _em(char) > LINE_EM - indent and current and char not in "，。、；：”）":
            lines.append((indent, current))
            current, width, indent = "", 0.0, 0.0
        current += char
        width += _em(char)
    lines.append((indent, current))
    return lines


def _layout(blocks) -> list[list[tuple[float, float, int, str]]]:
    pages, page, y = [], [], PAGE_H - MARGIN
    for block in blocks:
        kind = block[0]
        texts = block[1] if kind == "item" else [block[1]]
        for text in texts:
            size = 16 if kind == "title" else FONT_SIZE
            if kind == "title":
                wrapped = [((LINE_EM - sum(map(_em, text)) * 16 / 12) / 2, text)]
            else:
                wrapped = _wrap(text, 2.0 if kind in ("para", "item") else 0.0)
            for indent, line in wrapped:
                if y < MARGIN:
                    pages.append(page)
                    page, y = [], PAGE_H - MARGIN
                page.append((MARGIN + indent * FONT_SIZE, y, size, line))
                y -= LEADING if kind != "title" else 2 * LEADING
    pages.append(page)
    return pages


def _to_unicode(chars: set[str]) -> bytes:
    codes = sorted(ord(c) for c in chars if ord(c) < 0x10000)
    body = [b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap",
            b"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
            b"/CMapName /Adobe-Identity-UCS def /CMapType 2 def",
            b"1 begincodespacerange <0000> <FFFF> endcodespacerange"]
    for start in range(0, len(codes), 100):
        chunk = codes[start:start + 100]
        body.append(f"{len(chunk)} beginbfchar".encode())
        body += [f"<{c:04X}> <{c:04X}>".encode() for c in chunk]
        body.append(b"endbfchar")
    body.append(b"endcmap CMapName currentdict /CMap defineresource pop end end")
    return b"\n".join(body)


def write_pdf(path: Path, blocks) -> None:
    pages = _layout(blocks)
    path.write_bytes(pdf_bytes([[_text_op(x, y, size, line) for x, y, size, line in page] for page in pages],
                               {c for page in pages for *_, line in page for c in line}))


def _text_op(x: float, y: float, size: float, line: str) -> str:
    return f"BT /F1 {size} Tf 1 0 0 1 {x:.1f} {y:.1f} Tm <{line.encode('utf-16-be').hex().upper()}> Tj ET"


def pdf_bytes(page_ops: list[list[str]], chars: set[str], encoding: bytes = b"UniGB-UTF16-H") -> bytes:
    """A PDF whose pages draw the given content-stream operators, with the CJK font as /F1.

    With ``Identity-H`` the codes (UTF-16 code units) are the CIDs, which pdfminer (pdfplumber)
    maps back through the ToUnicode table; it does not read the predefined UniGB CMap that way.
    """
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    def stream(data: bytes) -> bytes:
        packed = zlib.compress(data)
        return b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(packed) + packed + b"\nendstream"

    catalog = add(b"")  # filled in below, once the page tree exists
    descriptor = add(b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880]"
                     b" /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>")
    cid_font = add(b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo"
                   b" << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> /FontDescriptor %d 0 R"
                   b" /DW 1000 /W [1 95 500] >>" % descriptor)
    to_unicode = add(stream(_to_unicode(chars)))
    font = add(b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /%s"
               b" /DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>" % (encoding, cid_font, to_unicode))
    tree = add(b"")
    kids = []
    for ops in page_ops:
        content = add(stream("\n".join(ops).encode()))
        kids.append(add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %d %d] /Resources << /Font << /F1 %d 0 R >> >>"
                        b" /Contents %d 0 R >>" % (tree, PAGE_W, PAGE_H, font, content)))
    objects[tree - 1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids), len(kids))
    objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % tree

    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, catalog, xref)
    return bytes(out)


# --- scraped pages ----------------------------------------------------------------

def _wide(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff"


def stream_with_breaks(blocks) -> str:
    """The document as one line, as a scraper sees it, with a line-break space every so often."""
    text = "".join("".join(p.split()) for p in paragraphs(blocks))
    out, since = [], 0
    for i, char in enumerate(text):
        out.append(char)
        since += 1
        following = text[i + 1:i + 2]
        # Only between two Chinese characters, so cleaning can take it out again.
        if since >= BREAK_EVERY and _wide(char) and following and _wide(following):
            out.append(" ")
            since = 0
    return "".join(out)


def paged(stream: str) -> str:
    pages = [stream[i:i + PAGE_WIDTH] for i in range(0, len(stream), PAGE_WIDTH)]
    return "\n".join([BOILERPLATE] + [f"{n}、{page}" for n, page in enumerate(pages, start=1)]) + "\n"


def shuffled(stream: str) -> tuple[str, list[int]]:
    """The stream cut into four runs A B C D and served as A D C B, as the default corpus file is.

    A ends mid-sentence on a page edge (so A|D is a page edge), D is the end
    of the document (its closer is then followed by C's mid-sentence start),
    C ends at a responsibility closer (followed by B's mid-sentence start) and
    B, ending mid-sentence, ends the file: every join is one the reader can find.
    """
    q1 = _page_edge_mid_sentence(stream, len(stream) // 4)
    q2 = _mid_sentence_after(stream, len(stream) // 2)
    q3 = next(m.end() for m in re.finditer("）", stream)
              if m.end() > len(stream) * 3 // 4 and re.search("单位|负责|牵头", stream[m.start() - 40:m.start()]))
    a, b, c, d = stream[:q1], stream[q1:q2], stream[q2:q3], stream[q3:]
    return a + d + c + b, [q1, q2, q3]


def _mid_sentence(stream: str, i: int) -> bool:
    return _wide(stream[i - 1]) and _wide(stream[i]) and _wide(stream[i + 1])


def _page_edge_mid_sentence(stream: str, near: int) -> int:
    edge = (near // PAGE_WIDTH) * PAGE_WIDTH
    while not _mid_sentence(stream, edge):
        edge += PAGE_WIDTH
    return edge


def _mid_sentence_after(stream: str, near: int) -> int:
    i = near
    while not _mid_sentence(stream, i):
        i += 1
    return i


def main() -> None:
    check(SCHOOL)
    check(ELDERLY)
    (HERE / "district-school-safety-2024.txt").write_bytes(
        school_text().replace("\n", "\r\n").encode("gbk"))
    (HERE / "district-school-safety-2024-utf8bom.md").write_bytes(school_markdown().encode("utf-8-sig"))
    write_docx(HERE / "county-elderly-care-2024.docx", ELDERLY)
    write_pdf(HERE / "county-elderly-care-2024-print.pdf", ELDERLY)
    stream = stream_with_breaks(SCHOOL)
    (HERE / "paged_in_order.txt").write_text(paged(stream), encoding="utf-8")
    mixed, _ = shuffled(stream)
    (HERE / "paged_shuffled.txt").write_text(paged(mixed), encoding="utf-8")
    for stem in ("district-school-safety-2024", "district-school-safety-2024-utf8bom",
                 "paged_in_order", "paged_shuffled"):
        write_oracle(stem, SCHOOL)
    for stem in ("county-elderly-care-2024", "county-elderly-care-2024-print"):
        write_oracle(stem, ELDERLY)


if __name__ == "__main__":
    main()
