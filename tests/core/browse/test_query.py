"""The query language's parser: every field, operator, negation, OR and its precedence,
parentheses, quotes, the normalising of text, and the errors with their positions. Whatever is
typed, parse_query returns a Query or raises QueryError, nothing else."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flashprep.core.browse.query import (
    FIELDS,
    IS_VALUES,
    And,
    Compare,
    Field,
    Not,
    Or,
    Query,
    QueryError,
    Rated,
    Text,
    glob,
    glob_matches,
    normalise,
    parse_query,
)
from flashprep.core.decks.rules import CATEGORIES

from fuzzing import budget


def root(text: str) -> object:
    return parse_query(text).root


A, B, C, D = Text("a"), Text("b"), Text("c"), Text("d")


# --- blank, words and phrases --------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", " ", "\t\n  "])
def test_a_blank_query_matches_everything(text: str) -> None:
    query = parse_query(text)
    assert query.blank
    assert query.root == And(())
    assert query.text == text


def test_words_side_by_side_must_all_match() -> None:
    assert root("a b  c") == And((A, B, C))
    assert not parse_query("a").blank


@pytest.mark.parametrize(
    ("typed", "needle"),
    [
        ("Cache", "cache"),
        ("RÉSUMÉ", "resume"),
        ("naïve", "naive"),
        ("Straße", "strasse"),
        ("ﬁle", "file"),  # a compatibility ligature
        ("e\u0301te\u0301", "ete"),  # combining accents typed apart
        ("system-design", "system-design"),  # a hyphen inside a word is no negation
        ("a<b", "a<b"),  # not a field: text
        ("12:30", "12:30"),
        ("ℌilbert", "hilbert"),
    ],
)
def test_free_words_are_casefolded_and_lose_their_accents(typed: str, needle: str) -> None:
    assert root(typed) == Text(needle)


def test_a_phrase_keeps_its_spaces_and_is_normalised() -> None:
    assert root('"Consistent  Hashing"') == Text("consistent  hashing")
    assert root('"Café au lait" x') == And((Text("cafe au lait"), Text("x")))
    assert root('"a(b) OR -c"') == Text("a(b) or -c")  # nothing inside quotes is syntax
    assert root('"deck:x"') == Text("deck:x")


def test_a_quote_inside_a_word_starts_a_phrase() -> None:
    assert root('ab"c d"') == And((Text("ab"), Text("c d")))


@pytest.mark.parametrize("text", ["Ab", "ÀÉÎõü", "straße", "ǅ", "ﬃ", "Ω", "İ", "x\u0301\u0327"])
def test_normalising_twice_changes_nothing(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once


# --- fields ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("deck:alpha", Field("deck", "alpha")),
        ("DECK:Alpha", Field("deck", "alpha")),
        ("deck:bench-*", Field("deck", "bench-*")),
        ("tag:Sorting", Field("tag", "sorting")),
        ("tag:*ing", Field("tag", "*ing")),
        ("tag:c++", Field("tag", "c++")),
        ("level:junior", Field("level", "junior")),
        ("level:Senior", Field("level", "senior")),
        ("level:none", Field("level", "none")),
        ("category:system-design", Field("category", "system-design")),
        ("Is:Due", Field("is", "due")),
        ("rated:7", Rated(7)),
        ("rated:1", Rated(1)),
    ],
)
def test_fields(text: str, expected: object) -> None:
    assert root(text) == expected


@pytest.mark.parametrize("value", IS_VALUES)
def test_every_is_value(value: str) -> None:
    assert root(f"is:{value}") == Field("is", value)


@pytest.mark.parametrize("value", CATEGORIES)
def test_every_category(value: str) -> None:
    assert root(f"category:{value}") == Field("category", value)


@pytest.mark.parametrize("field", ["lapses", "reps", "due"])
@pytest.mark.parametrize("op", ["<", "<=", ">", ">=", "="])
def test_every_operator_on_counts(field: str, op: str) -> None:
    assert root(f"{field}{op}3") == Compare(field, op, 3)  # type: ignore[arg-type]


@pytest.mark.parametrize("field", ["lapses", "reps", "due", "recall"])
def test_a_colon_compares_for_equality(field: str) -> None:
    assert root(f"{field}:1") == Compare(field, "=", 1)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("recall<0.8", 0.8),
        ("recall<.8", 0.8),
        ("recall<80%", 0.8),
        ("recall>=0", 0.0),
        ("recall<=1", 1.0),
        ("recall<100%", 1.0),
        ("recall>12.5%", 0.125),
    ],
)
def test_recall_takes_a_fraction_or_a_percent(text: str, value: float) -> None:
    found = root(text)
    assert isinstance(found, Compare)
    assert found.name == "recall"
    assert found.value == pytest.approx(value)


def test_due_takes_days_before_today_too() -> None:
    assert root("due<0") == Compare("due", "<", 0)
    assert root("due>=-3") == Compare("due", ">=", -3)


# --- negation, OR, parentheses -----------------------------------------------------------------


def test_negation_of_terms_groups_phrases_and_fields() -> None:
    assert root("-a") == Not(A)
    assert root("-(a OR b)") == Not(Or((A, B)))
    assert root('-"a b"') == Not(Text("a b"))
    assert root("-is:suspended") == Not(Field("is", "suspended"))
    assert root("a -b") == And((A, Not(B)))
    assert root("--a") == A
    assert root("---a") == Not(A)
    assert root("-" * 5001 + "a") == Not(A)  # no recursion per sign


def test_or_binds_looser_than_terms_side_by_side() -> None:
    assert root("a OR b") == Or((A, B))
    assert root("a b OR c") == Or((And((A, B)), C))
    assert root("a OR b c") == Or((A, And((B, C))))
    assert root("a OR b OR c d") == Or((A, B, And((C, D))))


def test_parentheses_group() -> None:
    assert root("(a OR b) c") == And((Or((A, B)), C))
    assert root("a (b OR c) -d") == And((A, Or((B, C)), Not(D)))
    assert root("((a))") == A
    assert root("(a)(b)") == And((A, B))
    assert root("-(a (b OR -c))") == Not(And((A, Or((B, Not(C))))))


def test_only_or_in_capitals_is_an_operator() -> None:
    assert root("a or b") == And((A, Text("or"), B))
    assert root("a Or b") == And((A, Text("or"), B))
    assert root("-OR") == Not(Text("or"))
    assert root("ORacle") == Text("oracle")


def test_a_query_object_keeps_its_text() -> None:
    assert parse_query("a OR b") == Query("a OR b", Or((A, B)))


# --- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "position", "words"),
    [
        ("foo:bar", 0, ["unknown field", "foo"]),
        ("a Colour:red", 2, ["unknown field", "Colour"]),
        ("level:chief", 6, ["level", "chief"]),
        ("level:", 6, ["level", "value"]),
        ("category:design", 9, ["category", "design"]),
        ("is:late", 3, ["is", "late"]),
        ("lapses>x", 7, ["lapses", "x"]),
        ("reps<=1.5", 6, ["reps", "1.5"]),
        ("reps<-1", 5, ["reps", "-1"]),
        ("lapses>99999999999", 7, ["lapses"]),
        ("due<=soon", 5, ["due", "soon"]),
        ("recall<1.5", 7, ["recall", "1.5"]),
        ("recall<120%", 7, ["recall", "120%"]),
        ("recall>", 7, ["recall", "value"]),
        ("rated:0", 6, ["rated", "0"]),
        ("rated:week", 6, ["rated", "week"]),
        ("level>3", 5, ["level", ">"]),
        ("deck:", 5, ["deck", "value"]),
        ('a "open phrase', 2, ["unclosed quote"]),
        ('"', 0, ["unclosed quote"]),
        ("(a b", 0, ["unclosed", "("]),
        ("a (b (c)", 2, ["unclosed", "("]),
        ("a)", 1, [")"]),
        ("(a))", 3, [")"]),
        (")", 0, [")"]),
        ("()", 0, ["empty"]),
        ("a ( ) b", 2, ["empty"]),
        ("OR a", 0, ["OR"]),
        ("a OR", 2, ["OR"]),
        ("a OR OR b", 2, ["OR"]),
        ("(OR a)", 1, ["OR"]),
        ("(a OR)", 3, ["OR"]),
        ("-", 0, ["'-'"]),
        ("a -", 2, ["'-'"]),
        ("a - b", 2, ["'-'"]),
        ("(-)", 1, ["'-'"]),
        ("(" * 60 + "a" + ")" * 60, 50, ["nested"]),
    ],
)
def test_errors_name_the_problem_and_its_position(
    text: str, position: int, words: list[str]
) -> None:
    with pytest.raises(QueryError) as caught:
        parse_query(text)
    error = caught.value
    assert error.position == position
    for word in words:
        assert word in error.message
    assert str(error) == f"{error.message} (at character {position + 1})"
    assert isinstance(error, ValueError)


def test_an_unknown_field_error_lists_the_fields() -> None:
    with pytest.raises(QueryError) as caught:
        parse_query("colour:red")
    assert all(field in caught.value.message for field in FIELDS)


@pytest.mark.parametrize("value", ["\x1b[31mred", "a\nb", "x" * 500])
def test_error_messages_stay_one_short_line(value: str) -> None:
    with pytest.raises(QueryError) as caught:
        parse_query(f"level:{value}")
    message = caught.value.message
    assert "\x1b" not in message
    assert "\n" not in message
    assert len(message) < 120


# --- wildcards ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "value", "matches"),
    [
        ("alpha", "alpha", True),
        ("alpha", "alphabet", False),
        ("alp*", "alphabet", True),
        ("*bet", "alphabet", True),
        ("a*b*t", "alphabet", True),
        ("*", "", True),
        ("a.c", "abc", False),  # nothing but * is special
        ("a?c", "abc", False),
        ("[ab]", "a", False),
        ("[ab]", "[ab]", True),
        ("c++", "c++", True),
    ],
)
def test_only_the_star_is_a_wildcard(pattern: str, value: str, matches: bool) -> None:
    assert glob_matches(glob(pattern), value) is matches


# --- anything typed ------------------------------------------------------------------------------

SYNTAX = st.sampled_from(
    [
        *[" ", "(", ")", '"', "-", "OR", ":", "<", "<=", ">", ">=", "=", "%", "*", ".", "0", "1"],
        *[*FIELDS, *IS_VALUES, "junior", "none", "x", "é", "\x00", "\ud800", "\x1b[", "\n"],
    ]
)


@budget(600)
@given(st.one_of(st.text(), st.lists(SYNTAX, max_size=20).map("".join)))
def test_anything_typed_parses_or_raises_query_error(text: str) -> None:
    try:
        query = parse_query(text)
    except QueryError as exc:
        assert 0 <= exc.position <= len(text)
        assert "\n" not in str(exc)
    else:
        assert query.text == text
