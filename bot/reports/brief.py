"""The 工作简报 in Word, laid out after GB/T 9704: A4, 小标宋 title, 仿宋 body, — 1 — pages."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO
from xml.sax.saxutils import escape

from bot.config import PapersConfig
from bot.domain import Status, Track
from bot.reports.campaign import countdown, day_text
from bot.services.brief import PERIOD, BriefFigures, figures, week_end, weekly_trend
from bot.texts import t

if TYPE_CHECKING:
    from docx.document import Document
    from docx.text.paragraph import Paragraph

    from bot.services.digest import DigestService, Ranked

# GB/T 9704-2012: A4, 版心 156 × 225 mm; margins top 37, bottom 35, left 28, right 26 mm.
PAGE_MM = (210, 297)
MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}
TITLE_PT = 22  # 二号
BODY_PT = 16  # 三号
PAGE_NUMBER_PT = 14  # 四号
TABLE_PT = 12  # 小四
LINE_PT = 28.95  # 22 lines to the page
RED = "C00000"
HEADING_STYLES = ("Heading 1", "Heading 2", "Heading 3")
RANK_NAMES = 3  # units named at each end of the ranking sentence
NO_FILING_NAMES = 30
_STATUS_KEYS = {Status.PENDING: "pending", Status.IN_PROGRESS: "in_progress",
                Status.AWAITING_SIGNOFF: "awaiting", Status.SIGNED_OFF: "signed"}
_TRACK_KEYS = {Track.IMMEDIATE: "immediate", Track.DEADLINE: "deadline", Track.ONGOING: "ongoing"}
_ZH_NUMERALS = "一二三四五六七八九十"
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _numeral(lang: str, n: int) -> str:
    return _ZH_NUMERALS[n - 1] if lang == "zh" and n <= len(_ZH_NUMERALS) else str(n)


# -- fonts and styles -------------------------------------------------------------------------


def _set_fonts(element: Any, name: str) -> None:
    """Name one font for every script of a run or style; theme fonts would win over it."""
    from docx.oxml.ns import qn

    rpr = element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    for key in list(fonts.attrib):
        del fonts.attrib[key]
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)


def _style(doc: Document, name: str, font: str, size: float, *, bold: bool = False,
           center: bool = False, indent: bool = False) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.shared import Pt, RGBColor

    style = doc.styles[name]
    style.font.size = Pt(size)
    style.font.bold = bold
    style.font.italic = False
    style.font.color.rgb = RGBColor(0, 0, 0)
    _set_fonts(style.element, font)
    fmt = style.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(LINE_PT)
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.first_line_indent = Pt(2 * size) if indent else Pt(0)
    fmt.alignment = WD_ALIGN_PARAGRAPH.CENTER if center else WD_ALIGN_PARAGRAPH.JUSTIFY
    fmt.keep_with_next = name in HEADING_STYLES


def _fallbacks(doc: Document, papers: PapersConfig) -> None:
    """Name each font's fallback in the font table (w:altName): Word uses it where the font
    is missing, instead of a Latin font that has no Chinese."""
    pairs = {papers.title_font: papers.title_fallback, papers.body_font: papers.body_fallback,
             papers.heading_font: "SimHei", "楷体_GB2312": "楷体", "宋体": "SimSun"}
    part = next(p for p in doc.part.package.iter_parts()
                if str(p.partname) == "/word/fontTable.xml")
    xml = part.blob.decode("utf-8")
    fonts = "".join(
        f'<w:font w:name="{escape(name, {chr(34): "&quot;"})}">'
        f'<w:altName w:val="{escape(alt, {chr(34): "&quot;"})}"/><w:charset w:val="86"/>'
        f'<w:family w:val="modern"/></w:font>'
        for name, alt in pairs.items())
    part._blob = xml.replace("</w:fonts>", fonts + "</w:fonts>").encode("utf-8")


def _page(doc: Document) -> None:
    from docx.shared import Mm

    section = doc.sections[0]
    section.page_width, section.page_height = Mm(PAGE_MM[0]), Mm(PAGE_MM[1])
    section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
    section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
    section.footer_distance = Mm(28)  # the page number sits 7 mm under the text block
    # GB/T 9704: 4号 numbers with a dash each side, odd pages right, even pages left.
    doc.settings.odd_and_even_pages_header_footer = True
    _page_number(section.footer.paragraphs[0], right=True)
    _page_number(section.even_page_footer.paragraphs[0], right=False)


def _page_number(paragraph: Paragraph, *, right: bool) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import parse_xml
    from docx.shared import Pt

    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT if right else WD_ALIGN_PARAGRAPH.LEFT
    fmt = paragraph.paragraph_format
    fmt.right_indent = Pt(PAGE_NUMBER_PT) if right else None
    fmt.left_indent = None if right else Pt(PAGE_NUMBER_PT)
    rpr = (f'<w:rPr><w:rFonts w:ascii="宋体" w:hAnsi="宋体" w:eastAsia="宋体"/>'
           f'<w:sz w:val="{PAGE_NUMBER_PT * 2}"/></w:rPr>')
    paragraph._p.append(parse_xml(f'<w:r xmlns:w="{_W}">{rpr}<w:t xml:space="preserve">— '
                                  f'</w:t></w:r>'))
    paragraph._p.append(parse_xml(f'<w:fldSimple xmlns:w="{_W}" w:instr=" PAGE ">'
                                  f'<w:r>{rpr}<w:t>1</w:t></w:r></w:fldSimple>'))
    paragraph._p.append(parse_xml(f'<w:r xmlns:w="{_W}">{rpr}<w:t xml:space="preserve"> —'
                                  f'</w:t></w:r>'))


def _styles(doc: Document, papers: PapersConfig) -> None:
    _style(doc, "Normal", papers.body_font, BODY_PT, indent=True)
    _style(doc, "Title", papers.title_font, TITLE_PT, center=True)
    _style(doc, "Heading 1", papers.heading_font, BODY_PT, indent=True)
    _style(doc, "Heading 2", "楷体_GB2312", BODY_PT, indent=True)
    _style(doc, "Heading 3", papers.body_font, BODY_PT, bold=True, indent=True)
    _style(doc, "Caption", papers.body_font, TABLE_PT, center=True)
    # The Title style draws a rule under itself; 公文 titles have none.
    from docx.oxml.ns import qn

    ppr = doc.styles["Title"].element.get_or_add_pPr()
    for border in ppr.findall(qn("w:pBdr")):
        ppr.remove(border)


# -- the parts of the brief -------------------------------------------------------------------


class _Writer:
    def __init__(self, doc: Document, lang: str, papers: PapersConfig) -> None:
        self.doc = doc
        self.lang = lang
        self.papers = papers
        self.counts = [0, 0, 0]

    def text(self, key: str, **params: Any) -> str:
        return t(self.lang, key, **params)

    def para(self, text: str, style: str = "Normal") -> Paragraph:
        return self.doc.add_paragraph(text, style=style)

    def heading(self, level: int, key: str, **params: Any) -> None:
        self.counts[level - 1] += 1
        for deeper in range(level, len(self.counts)):
            self.counts[deeper] = 0
        n = self.counts[level - 1]
        number = str(n) if level == 3 else _numeral(self.lang, n)
        title = self.text(f"brief.h{level}", n=number, title=self.text(key, **params))
        self.para(title, HEADING_STYLES[level - 1])

    def masthead(self, issue: int, issuer: str, day: dt.date) -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.oxml import parse_xml
        from docx.shared import Pt, RGBColor

        head = self.para(self.text("brief.masthead"), "Title")
        for run in head.runs:
            run.font.color.rgb = RGBColor.from_string(RED)
            run.font.size = Pt(TITLE_PT * 2)
            run.font.bold = True
        head.paragraph_format.space_before = Pt(0)
        head.paragraph_format.line_spacing = Pt(TITLE_PT * 2.4)
        number = self.para(self.text("brief.issue", n=issue))
        number.alignment = WD_ALIGN_PARAGRAPH.CENTER
        number.paragraph_format.first_line_indent = Pt(0)
        line = self.para("")
        line.paragraph_format.first_line_indent = Pt(0)
        line.paragraph_format.tab_stops.add_tab_stop(Pt(156 * 72 / 25.4),
                                                     _right_tab())
        line.add_run(self.text("brief.issuer", issuer=issuer))
        line.add_run("\t" + self.text("brief.date", year=day.year, month=day.month,
                                      day=day.day))
        # The red rule under the masthead (版头中的分隔线).
        line._p.get_or_add_pPr().append(parse_xml(
            f'<w:pBdr xmlns:w="{_W}"><w:bottom w:val="single" w:sz="18" w:space="4" '
            f'w:color="{RED}"/></w:pBdr>'))
        self.para("")

    def table(self, ranked: Sequence[Ranked]) -> None:
        """Every unit in rank order, written as one XML fragment (a thousand rows in ms)."""
        from docx.oxml import parse_xml

        head = self.text("brief.table_head").split("|")
        widths = (700, 3800, 900, 900, 1100, 900)  # twentieths of a point; 156 mm in all
        font = escape(self.papers.body_font, {'"': "&quot;"})
        rpr = (f'<w:rPr><w:rFonts w:ascii="{font}" w:hAnsi="{font}" w:eastAsia="{font}" '
               f'w:cs="{font}"/><w:sz w:val="{TABLE_PT * 2}"/></w:rPr>')
        ppr = ('<w:pPr><w:spacing w:line="320" w:lineRule="exact"/><w:ind w:firstLine="0"/>'
               '<w:jc w:val="center"/></w:pPr>')

        def row(cells: Sequence[str], header: bool) -> str:
            tr = "<w:trPr><w:tblHeader/></w:trPr>" if header else "<w:trPr><w:cantSplit/></w:trPr>"
            bold = rpr.replace("<w:sz", "<w:b/><w:sz") if header else rpr
            return "<w:tr>" + tr + "".join(
                f'<w:tc><w:tcPr><w:tcW w:w="{w}" w:type="dxa"/><w:vAlign w:val="center"/>'
                f'</w:tcPr><w:p>{ppr}<w:r>{bold}<w:t xml:space="preserve">{escape(c)}</w:t>'
                f'</w:r></w:p></w:tc>'
                for c, w in zip(cells, widths, strict=True)) + "</w:tr>"

        rows = [row(head, True)]
        for r in ranked:
            s = r.stats
            rows.append(row([str(r.rank or "—"), s.name, str(s.total), str(s.fixed), s.rate,
                             str(s.overdue)], False))
        borders = "".join(f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
                          for side in ("top", "left", "bottom", "right", "insideH", "insideV"))
        grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
        xml = (f'<w:tbl xmlns:w="{_W}"><w:tblPr><w:tblW w:w="{sum(widths)}" w:type="dxa"/>'
               f'<w:jc w:val="center"/><w:tblBorders>{borders}</w:tblBorders>'
               f'<w:tblLayout w:type="fixed"/></w:tblPr><w:tblGrid>{grid}</w:tblGrid>'
               + "".join(rows) + "</w:tbl>")
        body = self.doc.element.body
        body.insert(len(body) - 1, parse_xml(xml))  # before the section properties

    def picture(self, png: bytes, caption: str) -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Mm, Pt

        holder = self.para("")
        holder.alignment = WD_ALIGN_PARAGRAPH.CENTER
        holder.paragraph_format.first_line_indent = Pt(0)
        holder.paragraph_format.line_spacing = None
        holder.add_run().add_picture(io.BytesIO(png), width=Mm(156))
        self.para(caption, "Caption")


def _right_tab() -> Any:
    from docx.enum.text import WD_TAB_ALIGNMENT

    return WD_TAB_ALIGNMENT.RIGHT


def _period(service: DigestService, f: BriefFigures, lang: str) -> tuple[str, str]:
    window = service.window(f.at)
    return day_text(lang, window.first_day), day_text(lang, window.last_day)


def _body(w: _Writer, service: DigestService, f: BriefFigures) -> None:
    from bot.reports.digest import DigestReport

    lang, s, o = w.lang, f.stats, f.outlook
    report = DigestReport(service)
    w.heading(1, "brief.overall")
    w.para(report.headline(s, lang))  # the 公文 sentence, word for word the digest's
    line = countdown(service.campaign, lang, service.today())
    if line:
        w.para(line)
    w.heading(2, "brief.by_status")
    w.para(w.text("brief.status_line", counts="，".join(
        t(lang, f"stats.status.{_STATUS_KEYS[k]}", n=s.status[k]) for k in Status)))
    w.heading(2, "brief.by_track")
    w.para(w.text("brief.status_line", counts="，".join(
        t(lang, f"stats.track.{_TRACK_KEYS[k]}", n=s.track[k]) for k in Track)))
    start, end = _period(service, f, lang)
    w.heading(1, "brief.progress")
    w.para(w.text("brief.progress_line", start=start, end=end, filed=s.filed_week,
                  fixed=s.fixed_week, signed=s.signed_week))
    with_overdue = sum(1 for u in f.units if u.overdue)
    if f.city:
        w.para(w.text("brief.city_units", units=len(f.units), with_overdue=with_overdue))
    w.heading(1, "brief.overdue")
    w.para(w.text("brief.overdue_line", count=o.overdue) if o.overdue
           else w.text("brief.overdue_none"))
    w.heading(2, "brief.overdue_age")
    w.heading(3, "brief.overdue_week", n=o.overdue_week)
    w.heading(3, "brief.overdue_month", n=o.overdue_month)
    w.heading(3, "brief.overdue_longer", n=o.overdue_longer)
    if f.city:
        w.heading(2, "brief.overdue_units")
        w.para(w.text("brief.overdue_units_line", n=with_overdue))
    now = service.clock.now()
    w.heading(1, "brief.due")
    w.para(w.text("brief.due_line", start=day_text(lang, now.astimezone(service.tz).date()),
                  end=day_text(lang, (now + PERIOD).astimezone(service.tz).date()),
                  n=o.due_next, d10=s.buckets[1], d20=s.buckets[2], more=s.buckets[3]))
    if f.city:
        _units(w, f)


def _units(w: _Writer, f: BriefFigures) -> None:
    w.heading(1, "brief.units")
    ranked = [r for r in f.ranked if r.rank is not None]
    if ranked:
        def names(rs: Sequence[Ranked]) -> str:
            return "、".join(f"{r.stats.name}（{r.stats.rate}）" for r in rs)

        w.para(w.text("brief.ranking", top=names(ranked[:RANK_NAMES]),
                      bottom=names(ranked[-RANK_NAMES:][::-1])))
    else:
        w.para(w.text("brief.ranking_none"))
    silent = [r.stats.name for r in f.ranked if r.rank is None]
    if silent and ranked:
        shown = "、".join(silent[:NO_FILING_NAMES])
        if len(silent) > NO_FILING_NAMES:
            shown += t(w.lang, "digest.names_more", count=len(silent) - NO_FILING_NAMES)
        w.para(w.text("brief.no_filing", n=len(silent), names=shown))
    w.table(f.ranked)


def _chart(w: _Writer, service: DigestService, f: BriefFigures, week: str) -> None:
    from bot.reports import chart

    w.heading(1, "brief.chart")
    as_of = service.clock.now()
    if f.city:
        title = t(w.lang, "digest.chart_title", week=week)
        png = chart.city_chart(list(f.ranked), weekly_trend(service, f.at),
                               w.lang, title=title, tz=service.tz, as_of=as_of)
    else:
        title = t(w.lang, "chart.unit_title", unit=f.stats.name, week=week)
        png = chart.unit_chart(f.stats, w.lang, title=title, tz=service.tz, as_of=as_of)
    w.picture(png, w.text("brief.chart_caption", title=title))


def build_brief(service: DigestService, *, unit_id: int | None, lang: str,
                at: dt.datetime | None = None) -> tuple[Document, BriefFigures]:
    """The 简报 as a python-docx Document, and the figures it prints."""
    import docx
    from docx.shared import Pt

    papers = service.config.papers
    f = figures(service, unit_id=unit_id, at=at)
    doc = docx.Document()
    _page(doc)
    _styles(doc, papers)
    _fallbacks(doc, papers)
    issuer = papers.office_name if f.city else f.stats.name
    w = _Writer(doc, lang, papers)
    w.masthead(f.issue, issuer, service.today())
    week = t(lang, "digest.week", year=f.year, week=f.week)
    title = (t(lang, "brief.title_city", campaign=service.config.campaign.name) if f.city
             else t(lang, "brief.title_unit", unit=f.stats.name))
    w.para(title, "Title")
    period = w.para(t(lang, "brief.period", week=week), "Title")
    period.runs[0].font.size = Pt(BODY_PT)  # the period under the title, in 三号
    _body(w, service, f)
    _chart(w, service, f, week)
    if papers.contact:
        phone = t(lang, "brief.phone", phone=papers.phone) if papers.phone else ""
        w.para(t(lang, "brief.contact", contact=papers.contact, phone=phone))
    doc.core_properties.title = title
    doc.core_properties.author = issuer
    return doc, f


def write_brief(service: DigestService, target: str | Path | BinaryIO, *,
                unit_id: int | None, lang: str, week: str | None = None) -> BriefFigures:
    """Write the 工作简报 of a unit (or the city, unit_id None) as .docx to a path or stream;
    `week` (2026-W49) picks a finished week, else the seven days up to now."""
    at = week_end(service, week) if week else None
    doc, f = build_brief(service, unit_id=unit_id, lang=lang, at=at)
    doc.save(target)  # type: ignore[arg-type]
    return f


def issue_text(lang: str, f: BriefFigures) -> str:
    return t(lang, "brief.issue", n=f.issue)

