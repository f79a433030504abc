"""Small generators of hostile input files: workbooks written part by part (zipfile and
hand-written sheet XML), so a test builds exactly the bytes an attacker or a careless
program would, with no committed binaries."""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
QS1 = "qs1_assessing_needs"
LONG_HEADER = ["authority_code", "period", "indicator", "value"]


def letters(column: int) -> str:
    out = ""
    while column > 0:
        column, rest = divmod(column - 1, 26)
        out = chr(65 + rest) + out
    return out


def cell(ref: str, value: object) -> str:
    """One cell: a number as a number, anything else as an inline string."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'


def row(number: int, values: list[object], first_column: int = 1) -> str:
    cells = "".join(cell(f"{letters(first_column + i)}{number}", v)
                    for i, v in enumerate(values) if v is not None)
    return f'<row r="{number}">{cells}</row>'


DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'


def sheet(rows: str, *, dimension: str | None = None, prolog: str = DECLARATION) -> str:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f'{prolog}<worksheet xmlns="{MAIN}">{dim}<sheetData>{rows}</sheetData></worksheet>'


def workbook(sheet_xml: str | bytes, *, shared: list[str] | None = None,
             shared_xml: bytes | None = None, extra: dict[str, bytes] | None = None) -> bytes:
    """A one-sheet workbook ("Returns") around the given sheet XML."""
    parts: dict[str, bytes] = {
        "[Content_Types].xml": (
            b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats'
            b'.org/package/2006/content-types"><Default Extension="xml" ContentType="application'
            b'/xml"/></Types>'),
        "_rels/.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{RELS}">'
            f'<Relationship Id="rId1" Type="{DOC}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>").encode(),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{DOC}">'
            '<sheets><sheet name="Returns" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ).encode(),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{RELS}">'
            f'<Relationship Id="rId1" Type="{DOC}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{DOC}/sharedStrings" Target="sharedStrings.xml"/>'
            "</Relationships>").encode(),
        "xl/worksheets/sheet1.xml": sheet_xml.encode() if isinstance(sheet_xml, str)
        else sheet_xml,
    }
    if shared is not None:
        items = "".join(f"<si><t>{escape(s)}</t></si>" for s in shared)
        shared_xml = (f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}">{items}'
                      "</sst>").encode()
    if shared_xml is not None:
        parts["xl/sharedStrings.xml"] = shared_xml
    parts.update(extra or {})
    sink = io.BytesIO()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return sink.getvalue()


def long_sheet(*rows: tuple[int, list[object]], dimension: str | None = None) -> bytes:
    """A long-format workbook: the header in row 1, then the given (row number, values)."""
    body = row(1, list(LONG_HEADER)) + "".join(row(n, v) for n, v in rows)
    return workbook(sheet(body, dimension=dimension))
