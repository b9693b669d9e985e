"""Searching a registered list as its page does: the term posted, a token back in the URL."""

from urllib.parse import parse_qs, urlparse

from django.urls import reverse


def search_token(client, url_name: str, term: str, **filters) -> str:
    """POST ``term`` to the list at ``url_name``; the ``search`` token its redirect carries."""
    response = client.post(reverse(url_name), {"q": term, **filters})
    return parse_qs(urlparse(response["Location"]).query)["search"][0]
