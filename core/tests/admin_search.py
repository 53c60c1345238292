"""Searching a changelist as a person does: the search box posts (core/admin_search.py)."""


def admin_search(client, changelist_url: str, term: str):
    """The changelist page after typing ``term`` into its search box and pressing Search."""
    return client.post(f"{changelist_url}search/", {"q": term}, follow=True)
