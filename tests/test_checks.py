"""Checks print a verdict and return a bool; they never raise on a learner's answer,
and they never print the expected answer."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from IPython.core.formatters import DisplayFormatter

from k8scourse.course import as_choice, as_choices, as_component, as_int, as_names, as_text, check, digest
from k8scourse.course.checks import Verdict, describe, show

ETCD = digest("etcd", as_component)


def test_right_answer(capsys: pytest.CaptureFixture[str]) -> None:
    assert check("state store", "etcd", digest=ETCD, normalize=as_component)
    assert capsys.readouterr().out == "✔ state store: correct.\n"


@pytest.mark.parametrize("answer", [None, ...])
def test_not_answered_yet_prints_the_hint(answer: object, capsys: pytest.CaptureFixture[str]) -> None:
    assert not check("state store", answer, digest=ETCD, hint="a key-value store")
    assert capsys.readouterr().out == "… state store: not answered yet.\n  Hint: a key-value store\n"


def test_wrong_answer_never_shows_the_expected_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert not check("state store", "kubelet", digest=ETCD, normalize=as_component, hint="a key-value store")
    out = capsys.readouterr().out
    assert out == "✘ state store: 'kubelet' is not right.\n  Hint: a key-value store\n"
    assert "etcd" not in out


def test_a_common_wrong_answer_gets_its_own_hint(capsys: pytest.CaptureFixture[str]) -> None:
    why = {digest("kube-apiserver", as_component): "The apiserver keeps no state of its own: where does it write?"}
    assert not check("state store", "api server", digest=ETCD, normalize=as_component, wrong=why)
    assert capsys.readouterr().out == (
        "✘ state store: The apiserver keeps no state of its own: where does it write?\n")


@pytest.mark.parametrize("answer", ["scheduler", "kube-scheduler", " Kube-Scheduler ", "kube scheduler",
                                    "the scheduler", "default-scheduler"])
def test_component_names_have_equivalents(answer: str) -> None:
    assert as_component(answer) == "kube-scheduler"


def test_sets_of_names_in_any_order() -> None:
    assert digest(["web-2", "web-1"], as_names) == digest({"web-1", "web-2"}, as_names) == digest("web-1, web-2",
                                                                                                   as_names)
    assert digest(["b", "A"], as_choices) == digest("a,b", as_choices)


def test_a_wrong_answer_is_shown_as_the_learner_wrote_it(capsys: pytest.CaptureFixture[str]) -> None:
    assert not check("letters", ["c", "a"], digest=digest(["a", "b"], as_choices), normalize=as_choices)
    assert capsys.readouterr().out == "✘ letters: ['c', 'a'] is not right.\n"


def test_wrong_type_gets_a_friendly_message(capsys: pytest.CaptureFixture[str]) -> None:
    assert not check("pods", 42, digest=digest(["web"], as_names), normalize=as_names)
    assert capsys.readouterr().out == "✘ pods: expected a list of names, got the number 42.\n"
    assert not check("count", "three", digest=digest(3, as_int), normalize=as_int)
    assert capsys.readouterr().out == "✘ count: expected a whole number, got the text 'three'.\n"


def test_a_number_for_a_letter_is_told_a_letter_is_wanted(capsys: pytest.CaptureFixture[str]) -> None:
    assert not check("choice", 2, digest=digest("b", as_choice), normalize=as_choice)
    assert capsys.readouterr().out == '✘ choice: expected one letter, such as "b", got the number 2.\n'


def test_the_flannel_daemon_is_flanneld() -> None:
    assert as_component("the flannel daemon") == as_component("flannel") == "flanneld"


def test_normalisers() -> None:
    assert as_int("3") == as_int(3.0) == 3
    assert as_choice("(B)") == "b"
    assert as_text("  Running  ") == "running"
    with pytest.raises(TypeError):
        as_int(True)


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


def test_output_has_no_memory_addresses(capsys: pytest.CaptureFixture[str]) -> None:
    check("thing", object(), predicate=lambda _: False)
    assert capsys.readouterr().out == "✘ thing: <object object> is not right.\n"


def test_long_values_are_shortened() -> None:
    assert len(show("x" * 1000)) == 200


def test_describe_names_values_for_a_learner() -> None:
    assert describe(42) == "the number 42"
    assert describe([1, 2]) == "a list of 2 items"
    assert describe({"a"}) == "a set of 1 item"
    assert describe(None) == "a NoneType (None)"


def test_author_must_give_digest_or_predicate() -> None:
    with pytest.raises(TypeError, match="exactly one of"):
        check("nothing", 1)
    with pytest.raises(TypeError, match="exactly one of"):
        check("both", 1, digest="00", predicate=bool)


answers = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
    max_leaves=10,
)


@given(answer=answers, normalize=st.sampled_from([None, as_names, as_int, as_component, as_choices]))
def test_never_raises_and_returns_a_verdict(answer: object, normalize: object) -> None:
    verdict = check("anything", answer, digest="0" * 16, normalize=normalize)  # type: ignore[arg-type]
    assert isinstance(verdict, Verdict) and verdict in (True, False)


def test_verdict_reads_as_a_bool_and_displays_nothing() -> None:
    assert repr(Verdict(True)) == "True" and f"{Verdict(False)}" == "False"
    assert Verdict(True) and not Verdict(False)
    assert DisplayFormatter().format(Verdict(True)) == ({}, {}), "Jupyter must not echo it under the message"
