"""The benchmark writes and deletes data freely, so it refuses any database that is not its own.

Its databases are the SQLite files under bench/data/ and the PostgreSQL databases named
``customerhub_bench_<N>``; bench/run.py builds those names, and every bench process that opens a
database checks the URL it was given again before touching it.
"""

from pathlib import Path
from urllib.parse import urlsplit

DATA = Path(__file__).resolve().parent / "data"
POSTGRES_PREFIX = "customerhub_bench_"


class NotABenchDatabase(RuntimeError):
    pass


def require_bench_database(url: str, *, development_url: str = "") -> None:
    """Raise NotABenchDatabase unless ``url`` names a benchmark database (and not ``development_url``)."""
    if development_url and url.rstrip("/") == development_url.rstrip("/"):
        raise NotABenchDatabase("The benchmark database is the development database (DATABASE_URL); refusing.")
    if url.startswith("sqlite"):
        path = Path(url.split("sqlite:///", 1)[-1]).resolve()
        if path.parent != DATA.resolve() or not path.name.startswith("bench-"):
            raise NotABenchDatabase(f"{path} is not a benchmark database (bench/data/bench-*.sqlite3); refusing.")
        return
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if parts.scheme not in ("postgres", "postgresql") or not name.startswith(POSTGRES_PREFIX):
        raise NotABenchDatabase(f"Database {name!r} is not a benchmark database ({POSTGRES_PREFIX}<N>); refusing.")
