def crud_urls(viewsets):
    """The list / detail / create / update / delete URLs of each viewset."""
    return [url for viewset in viewsets for url in viewset.get_urls()]
