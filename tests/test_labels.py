"""Label keys and values follow apimachinery's IsQualifiedName / IsValidLabelValue."""

import pytest

from k8scourse import validate_labels
from k8scourse.api.errors import FieldValidationError
from k8scourse.api.validation import is_dns1035_label, is_dns1123_label, is_dns1123_subdomain


@pytest.mark.parametrize(
    "labels",
    [
        {"app": "web"},
        {"release": "stable", "environment": "dev"},  # the seed's example
        {"app.kubernetes.io/name": "web"},
        {"a" * 63: "b" * 63},
        {"example.com/" + "n" * 63: ""},  # empty values are allowed
        {("p" * 63 + ".") * 3 + "p" * 61 + "/x": "y"},  # 253-character prefix
        {"MyName": "My_Value.1"},
        {},
    ],
)
def test_valid_labels_return_none(labels):
    assert validate_labels(labels) is None


def test_64_character_name_is_rejected():
    with pytest.raises(FieldValidationError) as err:
        validate_labels({"a" * 64: "x"})
    assert str(err.value) == (
        f'metadata.labels: Invalid value: "{"a" * 64}": name part must be no more than 63 characters'
    )


def test_254_character_prefix_is_rejected():
    prefix = ("p" * 63 + ".") * 3 + "p" * 62
    with pytest.raises(FieldValidationError, match="prefix part must be no more than 253 characters"):
        validate_labels({prefix + "/x": "y"})


@pytest.mark.parametrize(
    "key, rule",
    [
        ("Bad_Prefix/name", "prefix part a lowercase RFC 1123 subdomain must consist of lower case"),
        ("/name", "prefix part must be non-empty"),
        ("example.com/", "name part must be non-empty"),
        ("a/b/c", "a qualified name must consist of alphanumeric characters"),
        ("-app", "name part must consist of alphanumeric characters, '-', '_' or '.'"),
        ("app_", "and must start and end with an alphanumeric character"),
        ("", "name part must be non-empty"),
    ],
)
def test_bad_keys_name_the_key_and_the_rule(key, rule):
    with pytest.raises(FieldValidationError) as err:
        validate_labels({key: "v"})
    message = str(err.value)
    assert f'metadata.labels: Invalid value: "{key}"' in message
    assert rule in message


@pytest.mark.parametrize("value", ["has space", "-dash", "dot.", "x" * 64, "ünïcode", "a/b"])
def test_bad_values_name_the_value_and_the_rule(value):
    with pytest.raises(FieldValidationError) as err:
        validate_labels({"app": value})
    assert f'metadata.labels: Invalid value: "{value}"' in str(err.value)


def test_value_with_space_message_is_upstreams():
    with pytest.raises(ValueError) as err:
        validate_labels({"env": "dev test"})
    assert str(err.value) == (
        'metadata.labels: Invalid value: "dev test": a valid label must be an empty string or consist of '
        "alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character "
        "(e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is "
        "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
    )


def test_all_problems_are_reported_together_sorted_by_key():
    with pytest.raises(FieldValidationError) as err:
        validate_labels({"z z": "ok", "a": "b c"})
    assert [e.value for e in err.value.errors] == ["b c", "z z"]
    assert str(err.value).startswith("[metadata.labels: ")


def test_yaml_numbers_and_booleans_are_refused_with_a_hint():
    with pytest.raises(FieldValidationError, match=r'metadata.labels.version: Invalid value: 1: must be a string \(quote it'):
        validate_labels({"version": 1})
    with pytest.raises(FieldValidationError, match="Invalid value: true: must be a string"):
        validate_labels({"debug": True})


def test_not_a_mapping():
    with pytest.raises(FieldValidationError, match="must be a map of string keys to string values"):
        validate_labels(["app=web"])


def test_name_grammars():
    assert is_dns1123_subdomain("web.example-1") == []
    assert is_dns1123_subdomain("Web")[0].startswith("a lowercase RFC 1123 subdomain")
    assert is_dns1123_label("a.b")[0].startswith("a lowercase RFC 1123 label")
    assert is_dns1035_label("1abc")[0].startswith("a DNS-1035 label must consist")
    assert is_dns1123_label("x" * 64)[0] == "must be no more than 63 characters"
