"""The query language of the card browser and `flashprep cards`, modelled on Anki's search.

`parse_query` turns the text into a tree of terms (search.py evaluates it against the cards and
the user's schedule). The browser searches as the user types, so a half-typed query is the common
case: anything malformed raises QueryError naming what is wrong and where (a 0-based offset),
never another exception.

    free words      match the question, answer, hint and tags (substring; case and accents ignored)
    "a phrase"      the same, for the words together
    deck:ID tag:T   the deck id / a tag, case-insensitive; `*` matches any run of characters
    level:L         junior, mid, senior, or none (no level)
    category:C      behavioral, technical, system-design, general (the deck's)
    is:S            new, learning, review, due, overdue, suspended, buried, leech
    F<N ...         lapses, reps, recall (0..1, or a percent: recall<80%), due (days from today);
                    operators < <= > >= = (and `:` for =)
    rated:N         graded in the last N study days (1 = today)
    -term           leaves out what the term (or group) matches
    a OR b          either (`OR` in capitals, as in Anki); terms side by side must all match
    ( ... )         groups

The definitions (search.py holds them; docs/query-language.md says them to users): is:due is due
before the end of today's study day and neither suspended nor buried (as the home screen counts
due); is:overdue is a due card that was due before the start of today; is:buried is buried until
a day after today; is:leech has reached the user's leech threshold (settings.leech_lapses); is:new
is never graded (or forgotten); a suspended card keeps its state (`is:review` matches it).
is:learning includes relearning cards.
New cards have no due day and no recall, so `due` and `recall` terms never match them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal, NamedTuple

from flashprep.core.decks.rules import CATEGORIES
from flashprep.core.text import one_line

LEVELS = ("junior", "mid", "senior")
IS_VALUES = ("new", "learning", "review", "due", "overdue", "suspended", "buried", "leech")
NUMERIC_FIELDS = ("lapses", "reps", "recall", "due")
FIELDS = ("deck", "tag", "level", "category", "is", "rated", *NUMERIC_FIELDS)
MAX_DEPTH = 50
"""How deeply parentheses may nest (deeper would exhaust the parser's recursion)."""

Operator = Literal["<", "<=", ">", ">=", "="]


class QueryError(ValueError):
    """A query that cannot be parsed: what is wrong, and the 0-based offset where."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(f"{message} (at character {position + 1})")
        self.message = message
        self.position = position


# --- the tree --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    """A free word or a phrase, normalised (see `normalise`); matches as a substring."""

    needle: str


@dataclass(frozen=True)
class Field:
    """deck:, tag: (casefolded, `*` a wildcard), level:, category:, is: (lower-cased)."""

    name: Literal["deck", "tag", "level", "category", "is"]
    value: str


@dataclass(frozen=True)
class Compare:
    """lapses, reps, recall or due compared with a number."""

    name: Literal["lapses", "reps", "recall", "due"]
    op: Operator
    value: float


@dataclass(frozen=True)
class Rated:
    """Graded within the last `days` study days (1 = today)."""

    days: int


@dataclass(frozen=True)
class Not:
    term: Node


@dataclass(frozen=True)
class And:
    """Every term matches; no terms: every card matches (the blank query)."""

    terms: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    terms: tuple[Node, ...]


Node = Text | Field | Compare | Rated | Not | And | Or


@dataclass(frozen=True)
class Query:
    """A parsed query: the text as typed and its tree."""

    text: str
    root: Node

    @property
    def blank(self) -> bool:
        return self.root == And(())


# --- normalising text ------------------------------------------------------------------------

_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def _fold(match: re.Match[str]) -> str:
    run = match.group()
    for _ in range(2):  # casefolding can make text that decomposes again
        decomposed = unicodedata.normalize("NFKD", run)
        run = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
        if run.isascii():
            break
    return run


def normalise(text: str) -> str:
    """Text as searched: casefolded, and decomposed (NFKD) with the combining marks removed, so
    that `resume` finds "Résumé" and `strasse` finds "Straße". Only the runs of non-ASCII
    characters need more than lower() (decomposing never crosses an ASCII character)."""
    if text.isascii():
        return text.lower()
    return _NON_ASCII.sub(_fold, text).lower()


def glob(pattern: str) -> re.Pattern[str] | str:
    """A deck or tag pattern (already casefolded): the text itself when it has no `*`, else a
    regular expression in which `*` matches any run of characters and nothing else is special."""
    if "*" not in pattern:
        return pattern
    return re.compile(".*".join(map(re.escape, pattern.split("*"))), re.DOTALL)


def glob_matches(pattern: re.Pattern[str] | str, value: str) -> bool:
    """Whether a casefolded value matches a pattern made by `glob`."""
    if isinstance(pattern, str):
        return pattern == value
    return pattern.fullmatch(value) is not None


# --- reading the text ------------------------------------------------------------------------


class _Token(NamedTuple):
    kind: Literal["word", "phrase", "(", ")", "-", "OR"]
    value: str
    position: int


def _shown(value: str, most: int = 30) -> str:
    """A piece of the query for an error message: one line, not too long."""
    value = one_line(value)
    return value if len(value) <= most else value[: most - 1] + "…"


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif c in "()":
            tokens.append(_Token(c, c, i))  # type: ignore[arg-type]
            i += 1
        elif c == "-":
            after = text[i + 1] if i + 1 < n else ""
            if not after or after.isspace() or after == ")":
                raise QueryError("'-' must be followed by a term to leave out", i)
            tokens.append(_Token("-", c, i))
            i += 1
        elif c == '"':
            end = text.find('"', i + 1)
            if end < 0:
                raise QueryError("unclosed quote", i)
            tokens.append(_Token("phrase", text[i + 1 : end], i))
            i = end + 1
        else:
            j = i
            while j < n and not text[j].isspace() and text[j] not in '()"':
                j += 1
            word = text[i:j]
            negated = bool(tokens) and tokens[-1].kind == "-" and tokens[-1].position == i - 1
            tokens.append(_Token("OR" if word == "OR" and not negated else "word", word, i))
            i = j
    return tokens


_FIELD = re.compile(r"([A-Za-z][A-Za-z0-9_-]*)(<=|>=|<|>|=|:)")
_WHOLE = re.compile(r"[0-9]{1,9}")
_SIGNED = re.compile(r"-?[0-9]{1,9}")
_FRACTION = re.compile(r"([0-9]{1,9}(?:\.[0-9]{0,9})?|\.[0-9]{1,9})(%?)")


def _term(word: str, position: int) -> Node:
    """One word: a field term (`name:value`, `name<value`, ...) or a free word."""
    found = _FIELD.match(word)
    if found is None:
        return Text(normalise(word))
    name, op = found.group(1).lower(), found.group(2)
    value, at = word[found.end() :], position + found.end()
    if name not in FIELDS:
        if op != ":":  # `a<b` in a question about code: text
            return Text(normalise(word))
        raise QueryError(
            f"unknown field '{_shown(found.group(1))}' (fields: {', '.join(FIELDS)})", position
        )
    if not value:
        raise QueryError(f"'{name}{op}' needs a value", at)
    if name in NUMERIC_FIELDS:
        return _compare(name, "=" if op == ":" else op, value, at)  # type: ignore[arg-type]
    if op != ":":
        raise QueryError(f"{name} is written {name}:value, not with '{op}'", at - len(op))
    if name == "rated":
        if _WHOLE.fullmatch(value) is None or int(value) < 1:
            raise QueryError(f"rated needs a number of days (1 = today), not '{_shown(value)}'", at)
        return Rated(int(value))
    lowered = value.lower()
    allowed = {
        "level": (*LEVELS, "none"),
        "category": CATEGORIES,
        "is": IS_VALUES,
    }.get(name)
    if allowed is not None and lowered not in allowed:
        raise QueryError(f"{name}: must be one of {', '.join(allowed)}, not '{_shown(value)}'", at)
    kept = lowered if allowed is not None else value.casefold()
    return Field(name, kept)  # type: ignore[arg-type]


def _compare(
    name: Literal["lapses", "reps", "recall", "due"], op: Operator, value: str, at: int
) -> Compare:
    if name == "recall":
        found = _FRACTION.fullmatch(value)
        number = float(found.group(1)) / (100 if found.group(2) else 1) if found else -1.0
        if not 0 <= number <= 1:
            raise QueryError(
                f"recall is compared with 0 to 1 or 0% to 100%, not '{_shown(value)}'", at
            )
        return Compare(name, op, number)
    pattern, what = (_SIGNED, "a whole number of days") if name == "due" else (_WHOLE, "a count")
    if pattern.fullmatch(value) is None:
        raise QueryError(f"{name} is compared with {what}, not '{_shown(value)}'", at)
    return Compare(name, op, int(value))


class _Parser:
    """Recursive descent: or := and (OR and)*; and := unary+; unary := '-' unary | atom;
    atom := '(' or ')' | word | phrase. Terms side by side bind tighter than OR."""

    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.i = 0
        self.depth = 0

    def peek(self) -> _Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def parse(self) -> Node:
        if not self.tokens:
            return And(())
        node = self.either()
        extra = self.peek()
        if extra is not None:  # only a ')' stops the top level early
            raise QueryError("')' without a matching '('", extra.position)
        return node

    def either(self) -> Node:
        terms = [self.every()]
        while (token := self.peek()) is not None and token.kind == "OR":
            self.i += 1
            after = self.peek()
            if after is None or after.kind in (")", "OR"):
                raise QueryError("OR needs a term on each side", token.position)
            terms.append(self.every())
        return terms[0] if len(terms) == 1 else Or(tuple(terms))

    def every(self) -> Node:
        terms: list[Node] = []
        while (token := self.peek()) is not None and token.kind not in (")", "OR"):
            terms.append(self.unary())
        if not terms:
            assert token is not None, "every() is called only where a term or a stop is next"
            if token.kind == "OR":
                raise QueryError("OR needs a term on each side", token.position)
            raise QueryError("')' without a matching '('", token.position)
        return terms[0] if len(terms) == 1 else And(tuple(terms))

    def unary(self) -> Node:
        negations = 0
        while (token := self.peek()) is not None and token.kind == "-":
            negations += 1
            self.i += 1
        first = self.tokens[self.i - negations]
        if token is None or token.kind in (")", "OR"):
            raise QueryError("'-' must be followed by a term to leave out", first.position)
        node = self.atom()
        return Not(node) if negations % 2 else node

    def atom(self) -> Node:
        token = self.tokens[self.i]
        self.i += 1
        if token.kind == "phrase":
            return Text(normalise(token.value))
        if token.kind == "word":
            return _term(token.value, token.position)
        assert token.kind == "(", "unary() lets only terms and groups through"
        after = self.peek()
        if after is None:
            raise QueryError("unclosed '('", token.position)
        if after.kind == ")":
            raise QueryError("empty parentheses", token.position)
        if self.depth >= MAX_DEPTH:
            raise QueryError(f"parentheses nested more than {MAX_DEPTH} deep", token.position)
        self.depth += 1
        node = self.either()
        self.depth -= 1
        if self.peek() is None:
            raise QueryError("unclosed '('", token.position)
        self.i += 1  # the ')'
        return node


def parse_query(text: str) -> Query:
    """The query's tree; QueryError for anything malformed. A blank query matches every card."""
    return Query(text, _Parser(_tokens(text)).parse())
