"""PDFs: pages read with pdfium (pypdf where pdfium cannot), tables as rows, headings as sections, printed page
numbers. How and why is in docs/pdf.md."""

from .document import PdfAssembler, assemble_pdf, load_pdf
from .reader import PART_PAGES, PdfPart, is_pdf, read_part

__all__ = ["PdfAssembler", "assemble_pdf", "PdfPart", "PART_PAGES", "is_pdf", "load_pdf", "read_part"]
