"""Geodesy and offline ZIP lookup. Pure: no ORM imports.

Distances are great-circle (haversine) distances in statute miles on a sphere of
mean Earth radius 3,958.8 mi (IUGG mean radius 6,371.0 km). ZIP centroids come from
the ``zipcodes`` package (GeoNames data, CC BY 4.0).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

EARTH_RADIUS_MILES = 3958.8


def haversine_miles(lat1: float, lon1: float, lat2, lon2):
    """Return the great-circle distance in miles from one point to one or many points.

    ``lat2``/``lon2`` may be floats or numpy arrays (degrees); the result has their shape.
    Formula: haversine (Sinnott, "Virtues of the Haversine", Sky & Telescope 68, 1984).
    """
    phi1 = math.radians(lat1)
    phi2 = np.radians(lat2)
    dphi = phi2 - phi1
    dlmb = np.radians(lon2) - math.radians(lon1)
    a = np.sin(dphi / 2) ** 2 + math.cos(phi1) * np.cos(phi2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


@dataclass(frozen=True)
class ZipPlace:
    postal_code: str
    city: str
    state_or_province: str
    county: str
    timezone: str
    latitude: float
    longitude: float


@lru_cache(maxsize=8)
def _zip_table(state: str | None) -> tuple[list[ZipPlace], np.ndarray, np.ndarray]:
    import zipcodes

    rows = zipcodes.filter_by(state=state) if state else zipcodes.list_all()
    places = [
        ZipPlace(
            postal_code=r["zip_code"],
            city=r["city"],
            state_or_province=r["state"],
            county=r.get("county") or "",
            timezone=r.get("timezone") or "",
            latitude=float(r["lat"]),
            longitude=float(r["long"]),
        )
        for r in rows
        if r.get("active") and r.get("zip_code_type") == "STANDARD" and r.get("lat") and r.get("long")
    ]
    lats = np.array([p.latitude for p in places])
    lons = np.array([p.longitude for p in places])
    return places, lats, lons


def nearest_zip(latitude: float, longitude: float, *, state: str | None = None) -> ZipPlace:
    """Return the standard, active ZIP code whose centroid is nearest to a point.

    ``state`` (two-letter USPS code) narrows the search and makes it ~50x faster.
    Nearest-centroid is an approximation of the ZIP boundary (ZCTA polygons are not
    shipped); near ZIP edges it can pick the neighbour.
    """
    places, lats, lons = _zip_table(state)
    if not places:
        raise ValueError(f"no ZIP codes known for state {state!r}")
    idx = int(np.argmin(haversine_miles(latitude, longitude, lats, lons)))
    return places[idx]


@lru_cache(maxsize=8)
def _zip_tree(state: str | None):
    from sklearn.neighbors import BallTree

    _, lats, lons = _zip_table(state)
    return BallTree(np.radians(np.column_stack([lats, lons])), metric="haversine")


def nearest_zips(latitudes, longitudes, *, state: str | None = None) -> list[ZipPlace]:
    """Vectorised :func:`nearest_zip` for many points (degrees in, one ZipPlace per point).

    Uses a haversine ball tree (scikit-learn), so 40k points take well under a second.
    """
    places, _, _ = _zip_table(state)
    if not places:
        raise ValueError(f"no ZIP codes known for state {state!r}")
    points = np.radians(np.column_stack([np.asarray(latitudes, dtype=float), np.asarray(longitudes, dtype=float)]))
    if len(points) == 0:
        return []
    _, idx = _zip_tree(state).query(points, k=1)
    return [places[i] for i in idx[:, 0]]
