"""PDF rendering with WeasyPrint, locked down (no Flask imports).

Templates under ``templates/reports`` get primitives and frozen dataclasses only, never
ORM objects (Indico ``get_safe_template_context``). The URL fetcher serves only files
in ``templates/reports/assets`` through the ``asset:`` scheme; any other URL (``file:``,
``http:``, ``data:``...) stops the render (WeasyPrint security notes; CVE-2025-68616).
"""

from __future__ import annotations

import gc
import mimetypes
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from vetting.clock import shown_date, shown_time, zone_name

ASSET_SCHEME = "asset:"


class ForbiddenResource(ValueError):
    """A report tried to load something that is not one of its own assets."""


def _fetcher_class() -> type:
    # WeasyPrint costs ~0.5 s to import: only processes that render PDFs pay it.
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class AssetOnlyFetcher(URLFetcher):  # type: ignore[misc]
        def __init__(self, assets: Path) -> None:
            super().__init__(allowed_protocols=(), allow_redirects=False, fail_on_errors=True)
            self._assets = assets.resolve()

        def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
            if not url.startswith(ASSET_SCHEME):
                raise ForbiddenResource(f"reports may not load {url.split(':', 1)[0]}: URLs")
            path = (self._assets / url[len(ASSET_SCHEME) :]).resolve()
            if self._assets not in path.parents or not path.is_file():
                raise ForbiddenResource("no such report asset")
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type}, 200)

    return AssetOnlyFetcher


class Reports:
    """Render ``templates/reports/<name>.html`` to PDF bytes."""

    def __init__(self, templates_dir: Path) -> None:
        self.assets = templates_dir / "reports" / "assets"
        self.env = Environment(
            loader=FileSystemLoader(templates_dir / "reports"),
            autoescape=select_autoescape(default=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        # Documents give dates and times on the agency's clock (issue 16), like the pages.
        self.env.filters.update(agency_date=shown_date, agency_time=shown_time)
        self.env.globals["agency_zone"] = zone_name

    def html(self, template: str, **context: Any) -> str:
        return self.env.get_template(template).render(**context)

    def render(self, template: str, **context: Any) -> bytes:
        return self.render_html(self.html(template, **context))

    def _document(self, html: str) -> Any:
        from weasyprint import HTML

        return HTML(string=html, base_url=ASSET_SCHEME, url_fetcher=_fetcher_class()(self.assets))

    def render_html(self, html: str) -> bytes:
        pdf: bytes = self._document(html).write_pdf()
        return pdf

    def render_counted(self, template: str, css: str | None = None, **context: Any) -> tuple[bytes, int]:
        """The PDF and its number of pages, laid out once, with ``css`` (made by the caller, never
        inline in a template: strict CSP) after the template's own styles (a production's Bates
        numbers run on from one document to the next)."""
        from weasyprint import CSS

        fetcher = _fetcher_class()(self.assets)
        sheets = [CSS(string=css, base_url=ASSET_SCHEME, url_fetcher=fetcher)] if css else None
        document = self._document(self.html(template, **context)).render(stylesheets=sheets)
        pdf: bytes = document.write_pdf()
        return pdf, len(document.pages)

    def render_parts(
        self,
        template: str,
        parts: Sequence[Mapping[str, Any]],
        progress: Callable[[int, int], None] | None = None,
        **context: Any,
    ) -> bytes:
        """One PDF of ``template`` rendered once per part (``context`` with the part's own values),
        each part laid out as a document of its own and their pages written as one file.

        A long document's layout grows faster than its length (WeasyPrint lays out a page with the
        whole document in hand); parts keep it linear. Their pages are numbered on from part to
        part, without "of N" (the total is not known while the first parts are laid out). The
        objects of finished parts are frozen out of the garbage collector's passes, which would
        otherwise walk them all again for every part. ``progress`` hears (parts done, parts + 1):
        the last step is writing the file."""
        if len(parts) == 1:
            return self.render(template, **context, **parts[0])
        from weasyprint import CSS

        fetcher = _fetcher_class()(self.assets)
        documents = []
        first_page = 1
        try:
            for done, part in enumerate(parts, start=1):
                numbering = (
                    '@page { @bottom-right { content: "Page " counter(page) !important; } }\n'
                    f"@page :first {{ counter-reset: page {first_page} !important; }}\n"
                )
                sheet = CSS(string=numbering, base_url=ASSET_SCHEME, url_fetcher=fetcher)
                document = self._document(self.html(template, **context, **part)).render(stylesheets=[sheet])
                documents.append(document)
                first_page += len(document.pages)
                gc.freeze()
                if progress is not None:
                    progress(done, len(parts) + 1)
            pdf: bytes = documents[0].copy([page for d in documents for page in d.pages]).write_pdf()
        finally:
            gc.unfreeze()
        if progress is not None:
            progress(len(parts) + 1, len(parts) + 1)
        return pdf

    def page_count(self, html: str) -> int:
        """How many pages ``html`` lays out to (for benchmarks: seconds per page)."""
        return len(self._document(html).render().pages)
