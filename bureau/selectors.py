"""Reads of the bureau's own records that many pages share."""

from django.core.cache import cache

from bureau.models import BureauProfile
from bureau.services import PROFILE_CACHE_KEY


def bureau_profile() -> BureauProfile:
    """The bureau's identity, cached: every page's header shows it. Saving it clears the cache
    (``bureau_profile_update``); an unsaved profile is built from the environment's defaults."""
    profile = cache.get(PROFILE_CACHE_KEY)
    if profile is None:
        profile = BureauProfile.current()
        cache.set(PROFILE_CACHE_KEY, profile, 300)
    return profile
