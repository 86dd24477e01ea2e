"""The award page's check against its policy's rule, computed from the records when shown."""

from django import template

from benefits import selectors
from benefits.models import Award

register = template.Library()


@register.simple_tag
def award_check(award: Award) -> dict:
    """``{"ruled": the policy has a condition, "flagged": 不符合条件, "amount": what the rule
    gives now (None when not eligible)}``."""
    if not award.policy.condition:
        return {"ruled": False, "flagged": False, "amount": None}
    eligible = selectors.entitlements([award.year], [award.enterprise_id], [award.policy])
    found = eligible.get((award.policy_id, award.year), {}).get(award.enterprise_id)
    flagged = found is None and award.status != Award.Status.REJECTED
    return {"ruled": True, "flagged": flagged, "amount": found.amount if found else None}
