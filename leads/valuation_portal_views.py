"""The seller's "My home's value" pages in the client portal (mounted under /portal/).

A seller sees their home's value range, its comps and the ZIP's market trend, and the CMAs
their agent *shared* with their login; drafts never show (``cma_selectors.cmas_shared_with``).
They live in ``leads`` because they start from the client's contact record (DESIGN §3:
``leads`` may read ``properties``, not the other way round).
"""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from properties import cma_selectors
from realtor.permissions import client_required

from .selectors import get_client_contact


@require_GET
@client_required
def valuation(request):
    """The seller's home value: range, comps, market trend, and the CMAs shared with them."""
    contact = get_client_contact(user=request.user)
    home = contact.home_listing if contact is not None else None
    context = {
        "nav": "valuation",
        "contact": contact,
        "home": home,
        "shared_cmas": list(cma_selectors.cmas_shared_with(user=request.user)),
    }
    if home is not None:
        context.update(cma_selectors.home_value_context(listing=home))
    return render(request, "portals/valuation.html", context)


@require_GET
@client_required
def shared_cma(request, pk: int):
    """One CMA the seller's agent shared with them (404 for drafts and anyone else's)."""
    cma = cma_selectors.get_cma_shared_with(user=request.user, pk=pk)
    context = {"nav": "valuation", **cma_selectors.cma_report_context(cma)}
    return render(request, "portals/valuation_cma.html", context)


@require_GET
@client_required
def shared_cma_pdf(request, pk: int):
    """Download the PDF of a CMA shared with the seller (404 until generated)."""
    cma = cma_selectors.get_cma_shared_with(user=request.user, pk=pk)
    if not cma.pdf:
        raise Http404("The report has not been generated yet.")
    return FileResponse(cma.pdf.open("rb"), as_attachment=True, filename=f"CMA-{cma.pk}.pdf")
