"""PDF rendering: HTML templates under ``templates/pdf/`` through WeasyPrint.

WeasyPrint runs no JavaScript, so charts in PDFs are server-side SVG. Print CSS should
use block layout; nested flex and long tables are WeasyPrint's slow paths. Rendering
never reaches the network: only ``file:`` (the project's static files) and ``data:``
URLs are fetched.
"""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string


def render_pdf(template_name: str, context: dict) -> bytes:
    """Render ``template_name`` with ``context`` to PDF bytes (page size from the template's ``@page``)."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols={"file", "data"})
    html = render_to_string(template_name, context)
    static_root = (settings.BASE_DIR / "static").as_uri() + "/"
    return HTML(string=html, base_url=static_root, url_fetcher=fetcher).write_pdf()
