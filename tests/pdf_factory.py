"""Small PDFs written by hand for tests: known text on known pages, encrypted, or with no text layer.

pypdf cannot draw text, and a drawing library would be a new dependency, so the PDF is assembled here
from its few required objects (catalog, page tree, pages, a standard font, content streams, xref).
"""

from __future__ import annotations

import io


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _content_stream(lines: list[str]) -> bytes:
    if not lines:
        # A page that draws a line but has no text: what a scan without OCR looks like to a text extractor.
        return b"0 0 m 200 200 l S"
    ops = ["BT", "/F1 12 Tf", "14 TL", "72 720 Td"]
    for line in lines:
        ops.append(f"({_escape(line)}) Tj T*")
    ops.append("ET")
    return "\n".join(ops).encode("latin-1")


def make_pdf(pages: list[list[str]]) -> bytes:
    """A valid PDF with one page per item; each page shows its lines of text (Latin-1) in Helvetica."""
    objects: list[bytes] = []
    n_pages = len(pages)
    font_id = 3
    first_page_id = 4
    page_ids = [first_page_id + 2 * i for i in range(n_pages)]
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    kids = " ".join(f"{pid} 0 R" for pid in page_ids)
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {n_pages} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    for i, lines in enumerate(pages):
        content_id = page_ids[i] + 1
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                       f"/Resources << /Font << /F1 {font_id} 0 R >> >> /Contents {content_id} 0 R >>".encode())
        stream = _content_stream(lines)
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    return _serialize(objects, root=1)


def encrypt_pdf(data: bytes, user_password: str, algorithm: str = "AES-256") -> bytes:
    """The same PDF, encrypted so that opening it needs user_password ("" opens like the AAPL report)."""
    import pypdf

    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=user_password, owner_password="owner-secret", algorithm=algorithm)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def make_layout_pdf(pages: list[list[tuple]], page_labels: str = "", outline: list[tuple] = ()) -> bytes:
    """A PDF whose text stands where the test puts it, for tables, headings, labels and bookmarks.

    pages: per page, items (x, y, text, size, bold) in PDF points from the bottom left of a 612 x 792 page.
    page_labels: a /PageLabels number tree as PDF source, e.g. "0 << /S /r >> 2 << /S /D >>".
    outline: bookmarks (level, title, page index, y), level 1 or 2, in order.
    """
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled in below, once the page tree and the outline have numbers
    tree = add(b"")
    regular = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    bold = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>")
    page_ids = []
    for items in pages:
        ops = []
        for x, y, text, size, is_bold in items:
            ops.append(f"BT /{'F2' if is_bold else 'F1'} {size} Tf {x} {y} Td ({_escape(text)}) Tj ET")
        stream = "\n".join(ops).encode("latin-1")
        content = add(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        page_ids.append(add(f"<< /Type /Page /Parent {tree} 0 R /MediaBox [0 0 612 792] /Resources << /Font << "
                            f"/F1 {regular} 0 R /F2 {bold} 0 R >> >> /Contents {content} 0 R >>".encode()))
    objects[tree - 1] = (f"<< /Type /Pages /Kids [{' '.join(f'{p} 0 R' for p in page_ids)}] "
                         f"/Count {len(page_ids)} >>").encode()
    extra = f" /PageLabels << /Nums [{page_labels}] >>" if page_labels else ""
    if outline:
        root = add(b"")
        ids = [add(b"") for _ in outline]
        parents: list[int] = []
        children: dict[int, list[int]] = {root: []}
        for (level, _title, _page, _y), oid in zip(outline, ids):
            parent = root if level == 1 else parents[-1]
            children.setdefault(parent, []).append(oid)
            children.setdefault(oid, [])
            if level == 1:
                parents = [oid]
        for (level, title, page, y), oid in zip(outline, ids):
            parent = next(p for p, kids in children.items() if oid in kids)
            siblings = children[parent]
            at = siblings.index(oid)
            links = f" /Parent {parent} 0 R"
            if at > 0:
                links += f" /Prev {siblings[at - 1]} 0 R"
            if at + 1 < len(siblings):
                links += f" /Next {siblings[at + 1]} 0 R"
            if children[oid]:
                links += f" /First {children[oid][0]} 0 R /Last {children[oid][-1]} 0 R /Count {len(children[oid])}"
            objects[oid - 1] = (f"<< /Title ({_escape(title)}){links} /Dest [{page_ids[page]} 0 R /XYZ 0 {y} 0] >>"
                                ).encode("latin-1")
        top = children[root]
        objects[root - 1] = f"<< /Type /Outlines /First {top[0]} 0 R /Last {top[-1]} 0 R /Count {len(top)} >>".encode()
        extra += f" /Outlines {root} 0 R"
    objects[catalog - 1] = f"<< /Type /Catalog /Pages {tree} 0 R{extra} >>".encode()
    return _serialize(objects, root=catalog)


def _serialize(objects: list[bytes], root: int) -> bytes:
    """The numbered objects as a PDF file: header, bodies, cross-reference table and trailer."""
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, root, xref))
    return out.getvalue()
