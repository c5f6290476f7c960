"""The public "Ask about this home" form (portal and public listing pages) and the public listing page."""

from __future__ import annotations

import time

from django import forms
from django.core import signing
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_http_methods

from properties.models import Listing
from properties.selectors import listing_search_queryset
from properties.services import describe_listing

from . import services

FORM_SALT = "leads.inquiry.rendered_at"
EMAIL_CONSENT_TEXT = (
    "I agree to receive emails about homes and the market from the brokerage. I can unsubscribe anytime."
)
SMS_CONSENT_TEXT = (
    "I agree to receive text messages from the brokerage at the number above, including by automated means. "
    "Consent is not a condition of purchase. Msg & data rates may apply. Reply STOP to opt out."
)


class ListingInquiryForm(forms.Form):
    name = forms.CharField(max_length=200)
    email = forms.EmailField(required=False)
    phone = forms.CharField(max_length=30, required=False)
    message = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, required=False)
    email_consent = forms.BooleanField(required=False, label=EMAIL_CONSENT_TEXT)
    sms_consent = forms.BooleanField(required=False, label=SMS_CONSENT_TEXT)
    # Spam protection: bots fill every field; people never see this one.
    website = forms.CharField(required=False, label="Leave this empty")
    rendered = forms.CharField(widget=forms.HiddenInput)

    def clean_phone(self):
        from .normalize import normalize_phone

        phone = self.cleaned_data["phone"]
        if phone and normalize_phone(phone) is None:
            raise forms.ValidationError("Enter a valid phone number.")
        return phone

    def clean(self):
        data = super().clean()
        if not (data.get("email") or data.get("phone")):
            raise forms.ValidationError("Give us an email or a phone number so we can answer.")
        return data

    def rendered_at(self) -> float | None:
        try:
            return float(signing.loads(self.cleaned_data.get("rendered", ""), salt=FORM_SALT))
        except (signing.BadSignature, TypeError, ValueError):
            return None

    def to_lead_input(self) -> services.LeadInput:
        d = self.cleaned_data
        first, _, last = d["name"].strip().partition(" ")
        consent_text = " ".join(
            t for t, on in ((EMAIL_CONSENT_TEXT, d["email_consent"]), (SMS_CONSENT_TEXT, d["sms_consent"])) if on
        )
        return services.LeadInput(
            first_name=first,
            last_name=last,
            email=d["email"],
            phone=d["phone"],
            message=d["message"],
            email_consent=d["email_consent"] and bool(d["email"]),
            sms_consent=d["sms_consent"] and bool(d["phone"]),
            consent_text=consent_text,
        )


def _initial() -> dict:
    return {"rendered": signing.dumps(str(time.time()), salt=FORM_SALT)}


def inquiry_form_for(contact=None) -> ListingInquiryForm:
    """A fresh inquiry form (signed render time), prefilled from a portal client's contact record."""
    initial = _initial()
    if contact is not None:
        initial.update({"name": contact.full_name, "email": contact.email, "phone": contact.phone})
    return ListingInquiryForm(initial=initial)


@require_GET
def public_listing(request, listing_key: str):
    """A home for sale, for anyone: facts, description and the "Ask about this home" form.

    Active listings only (404 otherwise, so sold homes and drafts stay private);
    synthetic demo prices carry their badge.
    """
    listing = get_object_or_404(listing_search_queryset().active(), listing_key=listing_key)
    listing = describe_listing(listing=listing)
    context = {"listing": listing, "ai_call": listing.ai_description_call, "form": inquiry_form_for()}
    return render(request, "leads/public_listing.html", context)


@require_http_methods(["GET", "POST"])
def listing_inquiry(request, listing_key: str):
    """GET: the form (a fragment for htmx). POST: capture the lead; 422 with errors on bad input."""
    listing = get_object_or_404(Listing, listing_key=listing_key)
    # The form alone for htmx swaps (and for embedding on listing pages); the page otherwise.
    template = "marketing/listing_inquiry_form.html" if request.htmx else "marketing/listing_inquiry.html"
    if request.method == "GET":
        return render(request, template, {"form": ListingInquiryForm(initial=_initial()), "listing": listing})
    form = ListingInquiryForm(request.POST)
    if not form.is_valid():
        form.data = form.data.copy()
        form.data["rendered"] = form.data.get("rendered") or _initial()["rendered"]
        return render(request, template, {"form": form, "listing": listing}, status=422)
    brokerage = services.inquiry_brokerage(listing=listing, user=request.user)
    if brokerage is not None:
        services.record_listing_inquiry(
            listing=listing,
            brokerage=brokerage,
            data=form.to_lead_input(),
            honeypot=form.cleaned_data["website"],
            rendered_at=form.rendered_at(),
        )
    return render(request, template, {"sent": True, "listing": listing})
