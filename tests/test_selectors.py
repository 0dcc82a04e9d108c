"""Selectors behave as k8s.io/apimachinery/pkg/labels: parsing, String(), matching."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from k8scourse import LabelSelector, parse_selector
from k8scourse.api.errors import FieldValidationError, LabelSelectorError
from k8scourse.api.selectors import Requirement, Selector, selector_from_set

POD = {"app": "web", "tier": "frontend", "env": "prod", "version": "3"}


@pytest.mark.parametrize(
    "text, canonical",
    [
        ("", ""),
        ("app=web", "app=web"),
        ("app==web", "app==web"),
        ("app!=web", "app!=web"),
        ("tier in (frontend, backend)", "tier in (backend,frontend)"),
        ("tier notin (b,a)", "tier notin (a,b)"),
        ("  canary", "canary"),
        ("!canary", "!canary"),
        ("version>2,version<10", "version>2,version<10"),
        ("x in (foo,,baz),y,z notin ()", "x in (,baz,foo),y,z notin ()"),  # upstream's own example
        # parseIdentifiersList: every empty place between commas is "" (selector_test.go TestSetSelectorParser).
        ("x in (a,,)", "x in (,a)"),
        ("x in (a,,,)", "x in (,a)"),
        ("x in (a,,,,,,)", "x in (,a)"),
        ("x in (a,,a,,a,,a,,)", "x in (,a)"),
        ("x notin (, a)", "x notin (,a)"),
        ("x in (,,)", "x in ()"),
        ("env=", "env="),
        ("tier=frontend,app=web", "app=web,tier=frontend"),  # sorted by key
        ("in in (in, notin)", "in in (in,notin)"),  # keywords are plain words as keys/values
        ("example.com/app=web", "example.com/app=web"),
    ],
)
def test_canonical_string(text, canonical):
    assert str(parse_selector(text)) == canonical


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", True),
        ("app=web", True),
        ("app=db", False),
        ("app!=db", True),
        ("missing!=x", True),  # != and notin match objects without the key
        ("missing notin (x)", True),
        ("missing in (x)", False),
        ("missing=", False),  # "=" needs the key, even for the empty value
        ("tier in (frontend,backend)", True),
        ("tier notin (frontend)", False),
        ("env", True),
        ("!env", False),
        ("!canary", True),
        ("version>2", True),
        ("version>3", False),
        ("version<4", True),
        ("app>1", False),  # a non-integer value never satisfies gt/lt
        ("app=web,tier=frontend,env notin (dev)", True),
        ("app=web,tier=backend", False),
    ],
)
def test_matching(text, expected):
    assert parse_selector(text).matches(POD) is expected


def test_empty_in_is_the_empty_value_as_upstream():
    # labels.Parse reads "()" as {""}: it matches only a present, empty label.
    selector = parse_selector("env in ()")
    assert selector.matches({"env": ""}) and not selector.matches({"env": "dev"}) and not selector.matches({})


@pytest.mark.parametrize(
    "text, message",
    [
        ("env in (a,b", "unable to parse requirement: found '', expected: ',' or ')'"),
        ("env in a,b)", "unable to parse requirement: found 'a' expected: '('"),
        ("env in ((a))", "unable to parse requirement: found '(', expected: ',', ')' or identifier"),
        ("(env=a)", "found '(', expected: !, identifier, or 'end of string'"),
        ("env ~ a", "unable to parse requirement: found '~', expected: in, notin, =, ==, !=, gt, lt"),
        ("env is a", "unable to parse requirement: found 'is', expected: in, notin, =, ==, !=, gt, lt"),
        ("env=a b", "found 'b', expected: ',' or 'end of string'"),
        ("env=a,", "found '', expected: identifier after ','"),
        ("!", "unable to parse requirement: found '', expected: identifier"),
        ("env=(a)", "unable to parse requirement: found '(', expected: identifier"),
        ("version>two", "values[0]: Invalid value: \"two\": for 'Gt', 'Lt' operators, the value must be an integer"),
        ("-env=a", 'unable to parse requirement: Invalid value: "-env": name part must consist'),
        ("env=a/b", 'values[0][env]: Invalid value: "a/b": a valid label must be an empty string'),
        ("a/b/c", 'Invalid value: "a/b/c": a qualified name must consist'),
    ],
)
def test_bad_selectors_name_the_token_and_the_rule(text, message):
    with pytest.raises(LabelSelectorError) as err:
        parse_selector(text)
    assert message in str(err.value)
    assert isinstance(err.value, ValueError)


def test_non_string_selector():
    with pytest.raises(LabelSelectorError, match="must be a string, not dict"):
        parse_selector({"app": "web"})


def test_requirement_rules():
    with pytest.raises(LabelSelectorError, match="for 'in', 'notin' operators, values set can't be empty"):
        Requirement("env", "in", ())
    with pytest.raises(LabelSelectorError, match="exact-match compatibility requires one single value"):
        Requirement("env", "=", ("a", "b"))
    with pytest.raises(LabelSelectorError, match="values set must be empty for exists"):
        Requirement("env", "exists", ("a",))
    with pytest.raises(LabelSelectorError, match='operator: Unsupported value: "~"'):
        Requirement("env", "~", ("a",))


# --- structured selectors ---------------------------------------------------------

DEPLOYMENT_SELECTOR = {
    "matchLabels": {"app": "web"},
    "matchExpressions": [
        {"key": "tier", "operator": "In", "values": ["frontend", "backend"]},
        {"key": "canary", "operator": "DoesNotExist"},
    ],
}


def test_structured_round_trip_and_string():
    selector = LabelSelector.from_dict(DEPLOYMENT_SELECTOR)
    assert selector.to_dict() == DEPLOYMENT_SELECTOR
    assert str(selector) == "app=web,!canary,tier in (backend,frontend)"
    assert selector.matches(POD)
    assert not selector.matches({**POD, "canary": "true"})


def test_empty_structured_selector_matches_everything():
    assert LabelSelector.from_dict({}).matches({}) and LabelSelector.from_dict(None).matches(POD)
    assert str(LabelSelector.from_dict({})) == ""


def test_string_to_structured_and_back():
    selector = LabelSelector.from_selector("app=web,env!=dev,tier in (a,b),!canary,ready")
    assert selector.to_dict() == {
        "matchLabels": {"app": "web"},
        "matchExpressions": [
            {"key": "canary", "operator": "DoesNotExist"},
            {"key": "env", "operator": "NotIn", "values": ["dev"]},
            {"key": "ready", "operator": "Exists"},
            {"key": "tier", "operator": "In", "values": ["a", "b"]},
        ],
    }
    assert LabelSelector.from_dict(selector.to_dict()) == selector


def test_gt_has_no_structured_form():
    with pytest.raises(LabelSelectorError, match='"gt" isn\'t supported in label selectors'):
        LabelSelector.from_selector("replicas>1")


@pytest.mark.parametrize(
    "data, message",
    [
        ({"matchExpressions": [{"key": "tier", "operator": "In", "values": []}]},
         "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'"),
        ({"matchExpressions": [{"key": "tier", "operator": "Exists", "values": ["a"]}]},
         "spec.selector.matchExpressions[0].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"),
        ({"matchExpressions": [{"key": "tier", "operator": "Equals", "values": ["a"]}]},
         'spec.selector.matchExpressions[0].operator: Unsupported value: "Equals": supported values: "In", "NotIn", "Exists", "DoesNotExist"'),
        ({"matchExpressions": [{"operator": "Exists"}]}, "spec.selector.matchExpressions[0].key: Required value"),
        ({"matchLabel": {"app": "web"}}, 'unknown field "spec.selector.matchLabel"'),
        ({"matchLabels": {"app": "we b"}}, 'spec.selector.matchLabels: Invalid value: "we b"'),
        ({"matchExpressions": {"key": "a"}}, "spec.selector.matchExpressions: Invalid value"),
        ("app=web", 'spec.selector: Invalid value: "app=web": must be an object'),
    ],
)
def test_bad_structured_selectors(data, message):
    with pytest.raises(FieldValidationError) as err:
        LabelSelector.from_dict(data, "spec.selector")
    assert message in str(err.value)


# --- the ReplicationController map selector ---------------------------------------

def test_set_selector_is_equality_only():
    selector = selector_from_set({"tier": "frontend", "app": "web"})
    assert str(selector) == "app=web,tier=frontend"
    assert selector.matches(POD) and not selector.matches({"app": "web"})
    assert selector_from_set({}).matches({}) and selector_from_set(None).empty()


def test_set_selector_refuses_set_based_expressions():
    with pytest.raises(FieldValidationError) as err:
        selector_from_set({"matchExpressions": [{"key": "tier", "operator": "In", "values": ["a"]}]})
    assert "plain map of labels (equality-based only)" in str(err.value)
    assert "need a ReplicaSet or Deployment" in str(err.value)


# --- properties -------------------------------------------------------------------

NAMES = st.from_regex(r"[a-z0-9]([-a-z0-9_.]{0,8}[a-z0-9])?", fullmatch=True)
KEYS = st.one_of(NAMES, st.builds(lambda p, n: f"{p}.io/{n}", NAMES.filter(lambda s: "_" not in s and ".." not in s and "-." not in s and ".-" not in s), NAMES))
VALUES = st.one_of(st.just(""), NAMES)


@st.composite
def requirements(draw):
    key = draw(KEYS)
    op = draw(st.sampled_from(["=", "==", "!=", "in", "notin", "exists", "!", "gt", "lt"]))
    if op in ("in", "notin"):
        values = tuple(sorted(set(draw(st.lists(VALUES, min_size=1, max_size=4)))))
    elif op in ("exists", "!"):
        values = ()
    elif op in ("gt", "lt"):
        values = (str(draw(st.integers(0, 10**6))),)
    else:
        values = (draw(VALUES),)
    return Requirement(key, op, values)


@settings(max_examples=300, deadline=None)
@given(st.lists(requirements(), max_size=5))
def test_canonical_form_parses_to_the_same_selector(reqs):
    selector = Selector(reqs)
    assert parse_selector(str(selector)) == selector


@settings(max_examples=200, deadline=None)
@given(st.lists(requirements(), max_size=4), st.dictionaries(KEYS, VALUES, max_size=5))
def test_matching_is_the_and_of_requirements(reqs, labels):
    assert Selector(reqs).matches(labels) == all(r.matches(labels) for r in reqs)


SELECTOR_ALPHABET = st.sampled_from(list("ab=!(),<> \tin-/._0Z") + ["in", "notin", "!=", "=="])


@settings(max_examples=1000, deadline=None)
@given(st.one_of(st.text(max_size=30), st.lists(SELECTOR_ALPHABET, max_size=20).map("".join)))
def test_parser_fails_only_with_the_documented_error(text):
    try:
        selector = parse_selector(text)
    except LabelSelectorError:
        return
    assert parse_selector(str(selector)) == selector
