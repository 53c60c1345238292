"""The drills' own check, cheap: ``make drill`` knows the five drills and refuses a name it does not know."""

from drills import runner
from drills.faults import DRILLS


def test_the_runner_knows_the_five_drills_in_order():
    assert list(DRILLS) == [
        "worker_killed",
        "postgres_restart",
        "backup_restore",
        "redis_down",
        "behind_nginx",
    ]


def test_an_unknown_drill_is_refused_before_any_server_starts(capsys, monkeypatch):
    monkeypatch.setattr(runner, "Stack", None)  # starting a stack would fail loudly

    assert runner.main(["worker_killed", "no_such_drill"]) == 2
    assert "Unknown drills: no_such_drill" in capsys.readouterr().out
