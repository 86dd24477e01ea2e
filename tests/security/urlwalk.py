"""Every URL pattern of the project, for tests that must cover pages added later."""

import re
from collections.abc import Callable, Iterator

from django.urls import URLPattern, URLResolver, get_resolver

CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")
SAMPLE = {"int": "1", "str": "x", "slug": "x", "path": "x"}


def plain_route(route: str) -> str:
    """A route written as a regular expression (the API router's ``^poverty/servicevisit/$``,
    ``(?P<pk>\\d+)``) in the converter syntax of the others, where it has no more to it, so
    that the walks request the API's lists and records too."""
    route = re.sub(r"\(\?P<(\w+)>\\d\+\)", r"<int:\1>", route)
    route = re.sub(r"\(\?P<(\w+)>\[\^/\.\]\+\)", r"<str:\1>", route)
    route = re.sub(r"(^|/)\^", r"\1", route)
    return route.removesuffix("$")


def iter_routes(patterns=None, prefix="", namespace=None) -> Iterator[tuple[str, str, Callable]]:
    """``(route, "namespace:name", view)`` of every pattern, resolvers flattened; routes of
    regular expressions as ``plain_route`` writes them."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or namespace
            if namespace and pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}"
            yield from iter_routes(pattern.url_patterns, route, inner)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield plain_route(route), name, pattern.callback


def is_regex(route: str) -> bool:
    return route.startswith("^") or any(mark in route for mark in ("(", "[", "\\"))


def parameters(route: str) -> list[tuple[str, str]]:
    """``[(converter, name)]`` of a route's parameters."""
    return [(kind or "str", name) for kind, name in CONVERTER.findall(route)]


def fill(route: str, values: dict[str, str] | None = None) -> str:
    """The path of ``route`` with each parameter taken from ``values`` or a sample value."""
    values = values or {}
    return "/" + CONVERTER.sub(
        lambda m: str(values.get(m.group(2), SAMPLE.get(m.group(1) or "str", "x"))), route
    )
