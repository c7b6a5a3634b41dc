"""The benchmark's own safeguards: only its databases, the SQLite half alone without PostgreSQL, whole result files."""

import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
# The bench scripts import each other by bare name; the folder is on the path only while they load.
sys.path.insert(0, str(BENCH))
try:
    import guard
    import run
finally:
    sys.path.remove(str(BENCH))


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:///" + str(BENCH.parent / "db.sqlite3"),  # the development database of `make run`
        "sqlite:///" + str(BENCH / "data" / "customers.sqlite3"),
        "postgres://postgres@127.0.0.1:5432/customerhub",
        "postgres://postgres@127.0.0.1:5432/test",
        "mysql://root@127.0.0.1/customerhub_bench_1000",
    ],
)
def test_any_database_but_a_benchmark_one_is_refused(url):
    with pytest.raises(guard.NotABenchDatabase):
        guard.require_bench_database(url)


def test_the_benchmark_databases_are_accepted_unless_they_are_the_development_database():
    sqlite_url = "sqlite:///" + str(BENCH / "data" / "bench-100000.sqlite3")
    postgres_url = "postgres://postgres@127.0.0.1:5432/customerhub_bench_100000"

    guard.require_bench_database(sqlite_url)
    guard.require_bench_database(postgres_url, development_url="sqlite:///db.sqlite3")
    with pytest.raises(guard.NotABenchDatabase, match="development database"):
        guard.require_bench_database(postgres_url, development_url=postgres_url)


def test_without_postgresql_only_the_sqlite_half_runs_and_says_so(monkeypatch, capsys):
    monkeypatch.setattr(run, "POSTGRES_ADMIN_URL", "postgres://postgres@127.0.0.1:1/postgres")

    assert run.database_url("postgres", 1000) is None
    assert "running the SQLite half only" in capsys.readouterr().out
    assert run.database_url("sqlite", 1000).endswith("bench/data/bench-1000.sqlite3")


def test_a_results_file_is_written_whole_or_not_at_all(tmp_path, monkeypatch):
    target = tmp_path / "latest.md"
    target.write_text("the previous results")

    def interrupted(self, other):
        raise KeyboardInterrupt  # the run stops after writing, before the file takes its name

    with monkeypatch.context() as patch:
        patch.setattr(Path, "replace", interrupted)
        with pytest.raises(KeyboardInterrupt):
            run.write_atomically(target, "new results")

    assert target.read_text() == "the previous results"
    run.write_atomically(target, "new results")
    assert target.read_text() == "new results"
    assert [path.name for path in tmp_path.iterdir() if path.suffix == ".md"] == ["latest.md"]


def test_an_unknown_scenario_is_refused_with_the_known_ones():
    with pytest.raises(SystemExit, match="Unknown scenario"):
        run.chosen_scenarios("quick_search,nonsense")
    assert run.chosen_scenarios("detail,quick_search") == ["quick_search", "detail"]
