"""Reads of the bureau's own records that many pages share."""

import logging

from django.core.cache import cache
from django.db import DatabaseError, transaction

from bureau.models import BureauProfile
from bureau.services import PROFILE_CACHE_KEY

logger = logging.getLogger(__name__)


def bureau_profile() -> BureauProfile:
    """The bureau's identity, cached: every page's header shows it. Saving it clears the cache
    (``bureau_profile_update``); an unsaved profile is built from the environment's defaults.

    A header must never turn a page into a server error: when the table cannot be read (a
    database not yet migrated), the defaults stand in, uncached."""
    profile = cache.get(PROFILE_CACHE_KEY)
    if profile is not None:
        return profile
    try:
        with transaction.atomic():  # a savepoint: a failed read leaves the request usable
            profile = BureauProfile.current()
    except DatabaseError:
        logger.warning("bureau profile unreadable; using the first-run defaults", exc_info=True)
        return BureauProfile.defaults()
    cache.set(PROFILE_CACHE_KEY, profile, 300)
    return profile
