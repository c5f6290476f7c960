from django.conf import settings
from django.urls import NoReverseMatch, reverse

# (key, url name, label). Sections appear once their app defines the URL.
APP_NAV = [
    ("listings", "app:listing_list", "Listings"),
    ("leads", "app:lead_list", "Leads"),
    ("cmas", "app:cma_list", "CMAs"),
    ("transactions", "app:transaction_list", "Transactions"),
    ("campaigns", "app:campaign_list", "Campaigns"),
    ("analytics", "app:analytics", "Analytics"),
]
PORTAL_NAV = [
    ("listings", "portal:listings", "Homes"),
    ("matches", "portal:matches", "Matches"),
    ("favorites", "portal:favorites", "Favourites"),
    ("searches", "portal:saved_searches", "Saved searches"),
    ("valuation", "portal:valuation", "My home's value"),
]


def _links(entries):
    links = []
    for key, name, label in entries:
        try:
            links.append({"key": key, "url": reverse(name), "label": label})
        except NoReverseMatch:
            continue
    return links


def realtor(request):
    """Template context every page needs: navigation and whether AI runs on Claude."""
    return {
        "ai_provider_configured": bool(settings.ANTHROPIC_API_KEY),
        "app_nav": _links(APP_NAV),
        "portal_nav": _links(PORTAL_NAV),
    }
