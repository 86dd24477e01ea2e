"""Every URL pattern of the project, for tests that must cover pages added later."""

import re
from collections.abc import Callable, Iterator

from django.urls import URLPattern, URLResolver, get_resolver

CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")
SAMPLE = {"int": "1", "str": "x", "slug": "x", "path": "x"}


def iter_routes(patterns=None, prefix="", namespace=None) -> Iterator[tuple[str, str, Callable]]:
    """``(route, "namespace:name", view)`` of every pattern, resolvers flattened."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or namespace
            if namespace and pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}"
            yield from iter_routes(pattern.url_patterns, route, inner)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield route, name, pattern.callback


def is_regex(route: str) -> bool:
    return route.startswith("^") or "(?P" in route or "\\" in route


def parameters(route: str) -> list[tuple[str, str]]:
    """``[(converter, name)]`` of a route's parameters."""
    return [(kind or "str", name) for kind, name in CONVERTER.findall(route)]


def fill(route: str, values: dict[str, str] | None = None) -> str:
    """The path of ``route`` with each parameter taken from ``values`` or a sample value."""
    values = values or {}
    return "/" + CONVERTER.sub(
        lambda m: str(values.get(m.group(2), SAMPLE.get(m.group(1) or "str", "x"))), route
    )
