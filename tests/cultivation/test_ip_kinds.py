"""The kinds of intellectual property the enterprises app offers and the classes the rules give
them are the same lists."""

from cultivation.rules import IP_CLASS_ONE, IP_CLASS_TWO, ip_class
from enterprises.models import IP_CLASS_ONE_KINDS, IntellectualProperty, IpKind
from tests import factories as f


def test_kind_choices_are_the_rules_kinds_with_their_labels():
    assert dict(IpKind.choices) == {**IP_CLASS_ONE, **IP_CLASS_TWO}
    assert set(IP_CLASS_ONE_KINDS) == set(IP_CLASS_ONE)


def test_class_follows_the_kind_as_the_rules_say():
    for kind in IpKind.values:
        assert IntellectualProperty(kind=kind).ip_class == ip_class(kind)


def test_class_is_displayed(db):
    ip = f.IntellectualPropertyFactory(kind=IpKind.INVENTION)
    assert ip.get_ip_class_display() == "Ⅰ类"
