"""A small vectorised writer of .xlsx workbooks for the synthetic extracts: the sheet XML is
built with polars string expressions and zipped, because xlsxwriter needs about 150 s for one
province-scale file (measured 14 s per 100,000 rows × 13 columns). The files are ordinary .xlsx
(shared strings, numbers, date cells with a date format) that Excel, calamine and openpyxl read.
Dev-only, like the rest of `synthetic/`: the pipeline reads workbooks, it never writes them this
way (its yearbooks are openpyxl's)."""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import polars as pl


def _col_letter(j: int) -> str:
    s = ""
    j += 1
    while j:
        j, rem = divmod(j - 1, 26)
        s = chr(65 + rem) + s
    return s


def _escaped(e: pl.Expr) -> pl.Expr:
    """saxutils.escape (&, <, >) as a polars expression, for whole columns of cell text."""
    return (
        e.str.replace_all("&", "&amp;", literal=True)
        .str.replace_all("<", "&lt;", literal=True)
        .str.replace_all(">", "&gt;", literal=True)
    )


def _cell(letter: str, value: pl.Expr, open_tail: pl.Expr, close: str) -> pl.Expr:
    """`<c r="<letter><row>"<open_tail><value><close>`, or nothing where the value is null: the
    one cell layout behind the inline-string, shared-string and number cells."""
    return (
        pl.when(value.is_null())
        .then(pl.lit(""))
        .otherwise(
            pl.concat_str(
                [pl.lit(f'<c r="{letter}'), pl.col("_r"), open_tail, value, pl.lit(close)]
            )
        )
    )


def str_cell(letter: str, value: pl.Expr) -> pl.Expr:
    """An inline text cell."""
    return _cell(letter, _escaped(value), pl.lit('" t="inlineStr"><is><t>'), "</t></is></c>")


def shared_cell(letter: str, name: str) -> pl.Expr:
    """A text cell from the shared-string table (column `name` listed in write_xlsx's shared)."""
    return _cell(letter, pl.col(f"_si_{name}").cast(pl.String), pl.lit('" t="s"><v>'), "</v></c>")


def num_cell(letter: str, value: pl.Expr, style: pl.Expr | None = None) -> pl.Expr:
    """A number cell; `style` is an attribute text such as ' s="1"' (a date format)."""
    s = pl.lit("") if style is None else style
    return _cell(letter, value.cast(pl.String), pl.lit('"') + s + pl.lit("><v>"), "</v></c>")


MAX_SHEET_ROWS = 1_048_576 - 2  # Excel's row limit, less the title and header rows
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_RELS = (
    _XML + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)


def _package_parts(n_sheets: int, sheet_name: str) -> dict[str, str]:
    """[Content_Types].xml, workbook.xml and its relationships for n worksheets."""
    sheets = range(1, n_sheets + 1)
    names = [sheet_name if n_sheets == 1 else f"{sheet_name} {i}" for i in sheets]
    return {
        "[Content_Types].xml": (
            _XML + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
            + "".join(
                f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
                f'ContentType="{_CT}.worksheet+xml"/>'
                for i in sheets
            )
            + f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.styles+xml"/>'
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_CT}.sharedStrings+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": _RELS,
        "xl/workbook.xml": (
            _XML
            + f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>'
            + "".join(
                f'<sheet name="{nm}" sheetId="{i}" r:id="rId{i}"/>'
                for i, nm in zip(sheets, names, strict=True)
            )
            + "</sheets></workbook>"
        ),
        "xl/_rels/workbook.xml.rels": (
            _XML
            + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(
                f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" '
                f'Target="worksheets/sheet{i}.xml"/>'
                for i in sheets
            )
            + f'<Relationship Id="rId{n_sheets + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
            f'<Relationship Id="rId{n_sheets + 2}" Type="{_REL}/sharedStrings" '
            'Target="sharedStrings.xml"/></Relationships>'
        ),
    }


_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def write_xlsx(
    path: Path,
    title: str,
    header: list[str],
    cells: list,
    frame: pl.DataFrame,
    shared: tuple[str, ...] = (),
    sheet_name: str = "Lao dong",
    max_rows: int = MAX_SHEET_ROWS,
) -> int:
    """Write a workbook: each sheet has a bold title row, a bold header row, then one row per
    frame row whose cells are the XML expressions `cells(letter)` (see `str_cell`,
    `shared_cell`, `num_cell`). A frame longer than Excel's row limit continues on further
    sheets ('<name> 1', '<name> 2' …), each with the title and header, as registers deliver
    province-scale lists. The text of the `shared` columns goes to the shared-string table, as
    Excel itself writes it (faster to read than inline strings). Deterministic (fixed zip
    timestamps). Returns the number of data rows."""
    letters = [_col_letter(j) for j in range(len(header))]
    table = pl.DataFrame({"v": []}, schema={"v": pl.String})
    if shared:
        table = (
            pl.concat([frame.select(pl.col(c).cast(pl.String).alias("v")) for c in shared])
            .drop_nulls()
            .unique(maintain_order=True)
        )
        lookup = table.with_row_index("i")
        for c in shared:
            frame = frame.with_columns(
                frame.select(pl.col(c).cast(pl.String).alias("v"))
                .join(lookup, on="v", how="left", maintain_order="left")["i"]
                .alias(f"_si_{c}")
            )
    sst_body = table.select(
        pl.concat_str([pl.lit("<si><t>"), _escaped(pl.col("v")), pl.lit("</t></si>")]).str.join("")
    )
    sst = (
        _XML
        + f'<sst xmlns="{_MAIN}" count="{table.height}" uniqueCount="{table.height}">'
        + (sst_body.item() if table.height else "")
        + "</sst>"
    )

    head = "".join(
        f'<c r="{L}2" t="inlineStr" s="2"><is><t>{escape(h)}</t></is></c>'
        for L, h in zip(letters, header, strict=True)
    )
    starts = list(range(0, max(frame.height, 1), max_rows))
    parts = _package_parts(len(starts), sheet_name)
    parts["xl/styles.xml"] = _STYLES
    parts["xl/sharedStrings.xml"] = sst
    for i, start in enumerate(starts, start=1):
        chunk = frame.slice(start, max_rows)
        body = (
            chunk.with_columns(_r=pl.int_range(3, pl.len() + 3).cast(pl.String))
            .select(
                pl.concat_str(
                    [
                        pl.lit('<row r="'),
                        pl.col("_r"),
                        pl.lit('">'),
                        *[c(letters[j]) for j, c in enumerate(cells)],
                        pl.lit("</row>"),
                    ]
                ).alias("x")
            )["x"]
            .str.join("")
        )
        parts[f"xl/worksheets/sheet{i}.xml"] = (
            _XML + f'<worksheet xmlns="{_MAIN}">'
            f'<dimension ref="A1:{letters[-1]}{chunk.height + 2}"/><sheetData>'
            f'<row r="1"><c r="A1" t="inlineStr" s="2"><is><t>{escape(title)}</t></is></c></row>'
            f'<row r="2">{head}</row>'
            + (body.item() if chunk.height else "")
            + "</sheetData></worksheet>"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=3) as z:
        for name, text in parts.items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, text.encode("utf-8"), compresslevel=3)
    tmp.replace(path)
    return frame.height
