"""A URL configuration without the console, for `test_links`."""

urlpatterns: list = []
