"""Resource quantities against apimachinery's own test tables (resource/quantity_test.go)."""

from fractions import Fraction

import pytest
from hypothesis import given, strategies as st

from k8scourse.api.errors import K8sValueError
from k8scourse.api.resources import canonicalize
from k8scourse.api.quantity import (
    BINARY_SI,
    DECIMAL_EXPONENT,
    DECIMAL_SI,
    FORMAT_ERROR,
    SUFFIX_ERROR,
    Quantity,
    QuantityError,
    parse_quantity,
)

# (input, exact value, format) from TestQuantityParse
PARSE_TABLE = [
    ("0", 0, DECIMAL_SI), ("0Ki", 0, BINARY_SI), ("1", 1, DECIMAL_SI),
    ("1Ki", 1024, BINARY_SI), ("7Mi", 7 * 2**20, BINARY_SI), ("3Ei", 3 * 2**60, BINARY_SI),
    ("5n", Fraction(5, 10**9), DECIMAL_SI), ("4u", Fraction(4, 10**6), DECIMAL_SI),
    ("3m", Fraction(3, 1000), DECIMAL_SI), ("50k", 50_000, DECIMAL_SI), ("1E", 10**18, DECIMAL_SI),
    ("1E-3", Fraction(1, 1000), DECIMAL_EXPONENT), ("1e3", 1000, DECIMAL_EXPONENT),
    ("100.035k", 100035, DECIMAL_SI), ("0.0005k", Fraction(1, 2), DECIMAL_SI),
    ("0.5e-1", Fraction(5, 100), DECIMAL_EXPONENT), ("1.3E+6", 1_300_000, DECIMAL_EXPONENT),
    ("1.01E", 101 * 10**16, DECIMAL_SI),
    # things that round up to the nano
    ("3.001n", Fraction(4, 10**9), DECIMAL_SI), ("1.1E-9", Fraction(2, 10**9), DECIMAL_EXPONENT),
    ("0.0000000001", Fraction(1, 10**9), DECIMAL_SI), ("0.00000012345", Fraction(124, 10**9), DECIMAL_SI),
    # binary quantities are capped at 2^63-1
    ("9Ei", 2**63 - 1, BINARY_SI), ("9223372036854775807Ki", 2**63 - 1, BINARY_SI),
    ("100.035Ki", Fraction(10243584, 100), BINARY_SI), ("0.5Mi", 2**19, BINARY_SI),
    # things written by trolls
    ("0.000000000001Ki", Fraction(2, 10**9), DECIMAL_SI), (".001", Fraction(1, 1000), DECIMAL_SI),
    ("1.", 1, DECIMAL_SI), ("1.G", 10**9, DECIMAL_SI),
]


@pytest.mark.parametrize("text, value, format", PARSE_TABLE)
def test_parse_keeps_value_and_format(text, value, format):
    q = parse_quantity(text)
    assert q.exact() == value and q.format == format
    assert parse_quantity("-" + text).exact() == -value
    assert parse_quantity("+" + text) == q


# canonical strings from TestQuantityString, TestQuantityParseEmit and the brief
CANONICAL = [
    ("0.5", "500m"), ("1000m", "1"), ("1024Mi", "1Gi"), ("1.5Gi", "1536Mi"), ("1Ki", "1Ki"),
    ("1000M", "1G"), (".001Ki", "1024m"), (".000001Ki", "1024u"), (".000000000001Ki", "2n"),
    ("300Mi", "300Mi"), ("1001Gi", "1001Gi"), ("5000m", "5"), ("1080m", "1080m"), ("1.08", "1080m"),
    ("1234567M", "1234567M"), ("1025", "1025"), ("1e9", "1e9"), ("0.001e0", "1e-3"),
    ("1000e-12", "1e-9"), ("80e-3", "80e-3"), ("300e6", "300e6"), ("0.001T", "1G"),
    ("1e4", "10e3"), ("1000E", "1e21"), ("12000", "12k"), ("1100", "1100"), ("0Mi", "0"),
    ("0.5Ki", "512"), ("1.1Ki", "1126400m"), ("-9.01", "-9010m"), ("128Mi", "128Mi"),
]


@pytest.mark.parametrize("text, canonical", CANONICAL)
def test_string_is_upstreams_canonical_form(text, canonical):
    assert str(parse_quantity(text)) == canonical


@pytest.mark.parametrize("text, message", [
    ("abc", FORMAT_ERROR), ("1Gb", FORMAT_ERROR), ("1.1.M", FORMAT_ERROR), ("1+1.0M", FORMAT_ERROR),
    ("", FORMAT_ERROR), (" 1", FORMAT_ERROR), ("1 ", FORMAT_ERROR),
    ("0.1mi", SUFFIX_ERROR), ("0.1am", FORMAT_ERROR), (".5i", SUFFIX_ERROR), ("-3.01e-", SUFFIX_ERROR),
    ("1e", SUFFIX_ERROR), ("1Mii", SUFFIX_ERROR),
])
def test_bad_text_gets_upstreams_error(text, message):
    with pytest.raises(QuantityError) as err:
        parse_quantity(text)
    assert str(err.value) == message
    assert isinstance(err.value, K8sValueError)


def test_format_error_text_quotes_the_regex():
    assert FORMAT_ERROR == ("quantities must match the regular expression "
                            "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")


def test_yaml_numbers_parse_like_json_numbers():
    assert str(parse_quantity(0.5)) == "500m"
    assert str(parse_quantity(2)) == "2"
    with pytest.raises(QuantityError):
        parse_quantity(True)


@pytest.mark.parametrize("text, value, milli", [
    ("1500m", 2, 1500), ("0.5", 1, 500), ("1n", 1, 1), ("-1.5", -2, -1500), ("1Ki", 1024, 1024000), ("0", 0, 0),
])
def test_value_and_milli_value_round_away_from_zero(text, value, milli):
    q = parse_quantity(text)
    assert (q.value(), q.milli_value()) == (value, milli)


@pytest.mark.parametrize("text, scale, expect", [  # TestQuantityRoundUp
    ("9.01", -3, "9010m"), ("9.01", -1, "9100m"), ("9.01", 0, "10"), ("9.01", 2, "100"), ("-9.01", 0, "-10"),
])
def test_round_up(text, scale, expect):
    assert str(parse_quantity(text).round_up(scale)) == expect


def test_arithmetic_and_comparison():
    a, b = parse_quantity("1"), parse_quantity("500m")
    assert str(a + b) == "1500m" and str(a - b) == "500m" and str(-b) == "-500m"
    assert b < a and a == parse_quantity("1000m") and max(a, b) is a
    assert str(parse_quantity("100Mi") * 3) == "300Mi"
    # TestAdd/TestSub: a zero quantity takes the other's format
    assert (Quantity() + parse_quantity("1Ki")).format == BINARY_SI
    assert (parse_quantity("10") - parse_quantity("1Ki")).format == DECIMAL_SI
    assert float(parse_quantity("250m")) == 0.25
    assert str(Quantity.from_milli(1500)) == "1500m" and str(Quantity.from_units(1024, BINARY_SI)) == "1Ki"


def test_unknown_format_prints_as_exponent():  # TestNewSet: "invalidFormatDefaultsToExponent"
    assert str(Quantity.from_units(10**6, "nonsense")) == "1e6"


quantity_text = st.builds(
    lambda sign, whole, frac, suffix: f"{sign}{whole}{'.' + frac if frac else ''}{suffix}",
    st.sampled_from(["", "-", "+"]),
    st.integers(min_value=0, max_value=10**12).map(str),
    st.one_of(st.just(""), st.text("0123456789", min_size=1, max_size=12)),
    st.sampled_from(["", "n", "u", "m", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei",
                     "e3", "e-3", "E6", "e0", "e-9", "e20"]),
)


@given(quantity_text)
def test_canonical_form_parses_back_to_the_same_value(text):
    q = parse_quantity(text)
    again = parse_quantity(str(q))
    assert again == q
    assert str(again) == str(q)  # canonical is a fixed point


@given(st.integers(min_value=-(10**15), max_value=10**15), st.integers(min_value=-(10**15), max_value=10**15))
def test_addition_is_exact(x, y):
    a, b = Quantity(x), Quantity(y)
    assert (a + b).exact() == Fraction(x + y, 10**9)
    assert ((a + b) - b) == a


# --- one process, many clusters: nothing a cluster does changes what another parses ---------------

@pytest.mark.parametrize("value", [True, False])
def test_a_bool_is_never_a_quantity_even_after_1_and_0_were_parsed(value):
    assert str(parse_quantity(1)) == "1" and str(parse_quantity(0)) == "0"
    with pytest.raises(QuantityError, match="quantities must match"):
        parse_quantity(value)
    resources = {"memory": value, "cpu": 1}
    canonicalize({"memory": 0, "cpu": 1.0})  # another cluster's manifest, cached first
    canonicalize(resources)
    assert resources == {"memory": value, "cpu": "1"}  # left for the decoder to refuse


def test_parsed_quantities_are_shared_so_they_cannot_change():
    quantity = parse_quantity("100m")
    assert parse_quantity("100m") is quantity  # cached
    with pytest.raises(AttributeError, match="a Quantity cannot be changed"):
        quantity.nanos = 5
    assert str(parse_quantity("100m")) == "100m"
