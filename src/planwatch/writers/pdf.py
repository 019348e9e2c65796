"""HTML -> tagged PDF (PDF/UA-1) with WeasyPrint, for the plan and the progress reports."""

from __future__ import annotations

from planwatch.writers.html import plan_html
from planwatch.writers.layout import PlanExport


def html_to_pdf(html: str) -> bytes:
    """A tagged, accessible PDF (PDF/UA-1) of a self-contained HTML page."""
    from weasyprint import HTML

    pdf: bytes = HTML(string=html).write_pdf(pdf_variant="pdf/ua-1")
    return pdf


def write_pdf(export: PlanExport) -> bytes:
    return html_to_pdf(plan_html(export))
