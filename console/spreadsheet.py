"""What the console's CSV downloads share: a cell that a spreadsheet would read as a formula
("=HYPERLINK(...)") is written as text, and the file starts with a BOM so that spreadsheet
programs (Excel) read the Japanese as UTF-8."""

from __future__ import annotations

from flask import Response

BOM = "\ufeff"


def cell(text: str) -> str:
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_response(body: str, filename: str) -> Response:
    return Response(BOM + body, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
