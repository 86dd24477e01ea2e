from portal import registry


def crud_urls(viewsets):
    """The list / detail / create / update / delete URLs of each viewset."""
    return [url for viewset in viewsets for url in viewset.get_urls()]


def entity_urls(app_label: str):
    """The pages of every entity the app declares (``<app>/entities.py``)."""
    return crud_urls(registry.viewsets_of(app_label))
