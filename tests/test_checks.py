"""Checks print a verdict and return a bool; they never raise on a learner's answer."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from IPython.core.formatters import DisplayFormatter

from k8scourse.course import check
from k8scourse.course.checks import Verdict, show


def test_right_answer(capsys: pytest.CaptureFixture[str]) -> None:
    assert check("state store", "etcd", "etcd")
    assert capsys.readouterr().out == "✔ state store: correct.\n"


@pytest.mark.parametrize("answer", [None, ...])
def test_not_answered_yet_prints_the_hint(answer: object, capsys: pytest.CaptureFixture[str]) -> None:
    assert not check("state store", answer, "etcd", hint="a key-value store")
    assert capsys.readouterr().out == "… state store: not answered yet.\n  Hint: a key-value store\n"


def test_wrong_answer_shows_expected_and_got(capsys: pytest.CaptureFixture[str]) -> None:
    assert not check("state store", "kubelet", "etcd", hint="a key-value store")
    assert capsys.readouterr().out == ("✘ state store: expected 'etcd', got 'kubelet'.\n  Hint: a key-value store\n")


def test_normalize_applies_to_both_sides(capsys: pytest.CaptureFixture[str]) -> None:
    assert check("state store", " ETCD", "etcd", normalize=lambda s: s.strip().lower())
    assert check("replicas", 3, "3", normalize=int)


def test_predicate_explains_what_is_wrong(capsys: pytest.CaptureFixture[str]) -> None:
    def quorum(n: int) -> bool | str:
        return n % 2 == 1 or f"{n} members tolerate no more failures than {n - 1}"

    assert check("members", 3, predicate=quorum)
    assert not check("members", 4, predicate=quorum)
    assert capsys.readouterr().out.splitlines()[-1] == "✘ members: 4 members tolerate no more failures than 3"


def test_predicate_false_without_explanation(capsys: pytest.CaptureFixture[str]) -> None:
    assert not check("even", 3, predicate=lambda n: n % 2 == 0)
    assert capsys.readouterr().out == "✘ even: 3 is not right.\n"


def test_predicate_that_raises_is_reported(capsys: pytest.CaptureFixture[str]) -> None:
    assert not check("name", 42, predicate=lambda s: s.startswith("kube"))
    assert capsys.readouterr().out == (
        "✘ name: checking 42 raised AttributeError: 'int' object has no attribute 'startswith'\n"
    )


def test_invalid_input_reads_as_invalid(capsys: pytest.CaptureFixture[str]) -> None:
    def replicas(text: str) -> bool:
        return int(text) == 3

    assert not check("replicas", "three", predicate=replicas)
    assert capsys.readouterr().out == (
        "✘ replicas: 'three' is not valid: invalid literal for int() with base 10: 'three'\n"
    )


def test_comparison_that_raises_is_reported(capsys: pytest.CaptureFixture[str]) -> None:
    class Odd:
        def __eq__(self, other: object) -> bool:
            raise RuntimeError("no comparing")

    assert not check("odd", Odd(), "x")
    assert "raised RuntimeError: no comparing" in capsys.readouterr().out


def test_output_has_no_memory_addresses(capsys: pytest.CaptureFixture[str]) -> None:
    check("thing", object(), "x")
    assert capsys.readouterr().out == "✘ thing: expected 'x', got <object object>.\n"


def test_long_values_are_shortened() -> None:
    assert len(show("x" * 1000)) == 200


def test_author_must_give_expected_or_predicate() -> None:
    with pytest.raises(TypeError, match="exactly one of"):
        check("nothing", 1)
    with pytest.raises(TypeError, match="exactly one of"):
        check("both", 1, 1, predicate=bool)


answers = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
    max_leaves=10,
)


@given(answer=answers, expected=answers.filter(lambda e: e is not None))
def test_never_raises_and_returns_a_verdict(answer: object, expected: object) -> None:
    verdict = check("anything", answer, expected)
    assert isinstance(verdict, Verdict) and verdict in (True, False)


def test_verdict_reads_as_a_bool_and_displays_nothing() -> None:
    assert repr(Verdict(True)) == "True" and f"{Verdict(False)}" == "False"
    assert Verdict(True) and not Verdict(False)
    assert DisplayFormatter().format(Verdict(True)) == ({}, {}), "Jupyter must not echo it under the message"
