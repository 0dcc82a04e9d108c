"""Chapter 06's checks run the HPA to judge an answer, and name wrong types kindly."""

from __future__ import annotations

import pytest

from k8scourse.course import check
from k8scourse.course.ch06 import matches_calculation, scales_down_gently, settles_at


def pod(name, usage, request=200):
    return {"name": name, "request_milli": request, "usage_milli": usage, "ready": True, "phase": "Running",
            "deleting": False}


SILENT = [pod("a", 20), pod("b", 20), pod("c", 20), pod("d", None)]


def test_matches_calculation_knows_the_naive_answers():
    predicate = matches_calculation(4, 50, SILENT)
    assert predicate(3) is True and predicate("3") is True
    assert predicate(1).startswith("1 is the plain formula on the measured, ready Pods only.")
    assert predicate(7) == "7 is not what the HPA computes here."
    assert predicate(4).startswith("4 is the current count, as if the HPA held back altogether.")


def test_settles_at_runs_the_load():
    predicate = settles_at(6)
    assert predicate("550m") is True and predicate(600) is True
    assert predicate("650m") == "with 650m the HPA settles at 7 replicas, not 6."


def test_settles_at_names_bad_answers(capsys):
    check("six", True, predicate=settles_at(6))
    check("six", "-1", predicate=settles_at(6))
    out = capsys.readouterr().out
    assert 'expected a CPU quantity such as "750m" (or a whole number of millicores), got the boolean True.' in out
    assert "cpu: Invalid value: \"-1\": must be greater than or equal to 0" in out


@pytest.mark.parametrize("behavior,verdict", [
    ({"scaleDown": {"stabilizationWindowSeconds": 120, "policies": [{"type": "Pods", "value": 1, "periodSeconds": 60}]}},
     True),
    ({"scaleDown": {"policies": [{"type": "Pods", "value": 1, "periodSeconds": 60}]}},
     "the first Pod went 300 s after the load dropped: a longer wait than two minutes. "
     "Which window applies when scaleDown does not set one?"),
    ({"scaleDown": {"stabilizationWindowSeconds": 120, "policies": [{"type": "Pods", "value": 2, "periodSeconds": 60}]}},
     "at some step more than one Pod went at once."),
    ({"scaleUp": {"policies": [{"type": "Pods", "value": 1, "periodSeconds": 60}]}},
     "scale-up should keep its default behaviour: leave scaleUp out (or as it was)."),
])
def test_scales_down_gently(behavior, verdict):
    assert scales_down_gently()(behavior) == verdict


def test_scales_down_gently_reports_the_apiservers_message(capsys):
    check("gentle", {"scaleDown": {"stabilizationWindowSeconds": -1}}, predicate=scales_down_gently())
    assert ("spec.behavior.scaleDown.stabilizationWindowSeconds: Invalid value: -1: must be greater than or equal "
            "to zero") in capsys.readouterr().out
    check("gentle", 3, predicate=scales_down_gently())
    assert "expected spec.behavior as a dict" in capsys.readouterr().out
