"""WeasyPrint may read the project's static files and data: URLs, never the network or other files."""

import pytest

from customers.exporting.pdf import StaticFilesFetcher

REFUSED = [
    "http://example.com/logo.png",
    "https://169.254.169.254/latest/meta-data/",
    "ftp://example.com/style.css",
    "file:///etc/passwd",
    "file:///static/../../etc/passwd",
    "file:///static/%2e%2e/%2e%2e/etc/passwd",
    "file:///static/missing.css",
]


@pytest.fixture
def static_dir(settings, tmp_path):
    folder = tmp_path / "static"
    (folder / "exports").mkdir(parents=True)
    (folder / "exports" / "print.css").write_text("h1 { color: #123456; }")
    settings.STATICFILES_DIRS = [folder]
    return folder


@pytest.mark.parametrize("url", REFUSED)
def test_anything_but_a_static_file_is_refused(static_dir, url):
    with pytest.raises(ValueError, match="Refused to fetch"):
        StaticFilesFetcher().fetch(url)


def test_a_file_inside_a_static_dir_is_served(static_dir):
    response = StaticFilesFetcher().fetch((static_dir / "exports" / "print.css").as_uri())

    assert response.read() == b"h1 { color: #123456; }"
    assert response.content_type == "text/css"


def test_a_static_url_is_found_by_the_static_file_finders(static_dir):
    # "{% static 'exports/print.css' %}" in a template resolves against the PDF's base URL to this.
    response = StaticFilesFetcher().fetch("file:///static/exports/print.css")

    assert response.read() == b"h1 { color: #123456; }"


def test_data_urls_are_served_without_any_fetch(static_dir):
    response = StaticFilesFetcher().fetch("data:text/plain;base64,SGFiYXJpIQ==")

    assert response.read() == b"Habari!"
