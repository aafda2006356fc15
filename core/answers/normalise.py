"""Vietnamese text normalisation, applied identically to content and to what households type.

The pipeline (`Normaliser.tokens`):
1. NFC, then casefold. Phones send decomposed text; NFC makes "hòa" one code point per letter.
2. Chat abbreviations are expanded on the accented form ("hổng" → "không", "đc" → "được"), because
   once accents are gone "hổng" and "hỏng" (broken) look alike.
3. Fold: remove tone and vowel marks and map đ → d. Old and new tone placement ("hoà"/"hòa") fold to the
   same letters, so they cannot differ after this step.
4. Stray Telex keystrokes ("hoj ngheof" → "ho ngheo") are repaired in tokens the corpus does not know
   and that cannot be a Vietnamese syllable (`is_syllable`): "mien" is a real word we lack, left alone.
5. Typos: such a token within a small edit distance of a known one becomes that one (rapidfuzz).
6. The lexicon (`content/lexicon.yaml`) rewrites synonyms, dialect forms and abbreviations to one
   canonical form, longest phrase first.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

_TOKEN_RE = re.compile(r"[0-9]+(?:[.,][0-9]+)*[^\W\d_]*|[^\W\d_]+", re.UNICODE)
_TAG_RE = re.compile(r"</?[a-zA-Z][^<>]{0,200}>")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Invisible characters that split a word for matching ("v\u200bay" would not be "vay"): zero-width space and
# non-joiner, word joiner, BOM, soft hyphen. The zero-width joiner goes only next to letters: between emoji
# it builds one picture (👨‍👩‍👧) and is kept.
_INVISIBLE_RE = re.compile(r"[\u200b\u200c\u2060\ufeff\u00ad]|(?<=\w)\u200d|\u200d(?=\w)")
_TELEX_TONE_KEYS = set("sfrxj")
_TELEX_SHAPES = (("dd", "d"), ("aa", "a"), ("ee", "e"), ("oo", "o"), ("uow", "uo"), ("aw", "a"),
                 ("ow", "o"), ("uw", "u"), ("w", "u"))
_VNI_DIGITS = re.compile(r"(?<=[a-z])[1-9](?=[a-z]|$)")

# Shape of a Vietnamese syllable once folded: onset, vowel cluster, final consonant.
_ONSETS = "ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|b|c|d|g|h|k|l|m|n|p|r|s|t|v|x"
_VOWELS = ("uye|uya|uyu|uoi|uou|oai|oay|oeo|uay|ieu|yeu|ai|ao|au|ay|eo|eu|ia|ie|iu|oa|oe|oi|oo|ua|ue|ui|"
           "uo|uu|uy|ye|yu|a|e|i|o|u|y")
_SYLLABLE_RE = re.compile(rf"^(?:{_ONSETS})?(?:{_VOWELS})(?:ch|ng|nh|c|m|n|p|t)?$")
_FRONT_ONLY = re.compile(r"^(?:k(?!h)|gh|ngh)(?![eiy])")  # k, gh, ngh only before e, ê, i, y
_NOT_FRONT = re.compile(r"^(?:c|ng|g)(?=[eiy])")  # c, ng, g never before them (gi is its own onset)


def is_syllable(token: str) -> bool:
    """Whether a folded token has the shape of a Vietnamese syllable ("mien" yes, "ngeo", "hoj" no)."""
    if not _SYLLABLE_RE.match(token):
        return False
    if _FRONT_ONLY.match(token):
        return False
    return not (_NOT_FRONT.match(token) and not token.startswith(("gi", "ngh", "ch")))


# Chat shorthand, keyed by the accented lower-case token (step 2). Language facts, not curated content.
CHAT_ABBREVIATIONS: dict[str, str] = {
    "ko": "không", "k": "không", "kg": "không", "khg": "không", "kh": "không", "hok": "không",
    "hông": "không", "hổng": "không", "hong": "không", "hem": "không", "hăm": "không",
    "dc": "được", "đc": "được", "dk": "được", "đk": "được",
    "ng": "người", "ngta": "người ta", "bn": "bao nhiêu", "bnhieu": "bao nhiêu",
    "ntn": "như thế nào", "sao z": "sao vậy", "z": "vậy", "zậy": "vậy", "dzậy": "vậy", "dị": "vậy",
    "vs": "với", "j": "gì", "r": "rồi", "trc": "trước", "cx": "cũng", "cug": "cũng",
    "mik": "mình", "mk": "mình", "e": "em", "a": "anh", "c": "chị", "t": "tôi", "tui": "tôi",
    "bik": "biết", "bít": "biết", "bjk": "biết", "wa": "qua", "ak": "à", "ah": "à", "uh": "ừ",
    "nhìu": "nhiều", "nhiu": "nhiều", "ms": "mới", "oy": "rồi", "đt": "điện thoại", "dt": "điện thoại",
    "sđt": "số điện thoại", "sdt": "số điện thoại", "tk": "tài khoản", "mn": "mọi người",
}

# Vietnamese letters with marks that NFD does not split (đ) are mapped by hand.
_FOLD_EXTRA = str.maketrans({"đ": "d", "Đ": "d"})


def clean(text: str) -> str:
    """NFC, no control or invisible characters, single spaces. Keeps diacritics and case: for display and storage."""
    text = _INVISIBLE_RE.sub("", text)
    text = unicodedata.normalize("NFC", text)
    text = _CONTROL_RE.sub(" ", text)
    return re.sub(r"\s+", " ", text).strip()


@lru_cache(maxsize=100_000)
def fold(text: str) -> str:
    """Lower case without tone or vowel marks, đ → d: "Hộ nghèo" → "ho ngheo"."""
    text = unicodedata.normalize("NFD", text.translate(_FOLD_EXTRA).casefold())
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    return unicodedata.normalize("NFC", text)


_TONE_MARKS = {"\u0300": "f", "\u0301": "s", "\u0303": "x", "\u0309": "r", "\u0323": "j"}


@lru_cache(maxsize=100_000)
def tone_key(token: str) -> str:
    """An accented token with its tone moved to the end, so "hoà" and "hòa" give the same key ("hoaf")
    while "năm", "nam" and "nấm" stay apart. Vowel marks (ă â ê ô ơ ư) and đ are kept."""
    decomposed = unicodedata.normalize("NFD", token.casefold())
    tone = "".join(_TONE_MARKS[ch] for ch in decomposed if ch in _TONE_MARKS)
    base = "".join(ch for ch in decomposed if ch not in _TONE_MARKS)
    return unicodedata.normalize("NFC", base) + tone[-1:]


def has_marks(token: str) -> bool:
    return fold(token) != token.casefold()


def raw_tokens(text: str) -> list[str]:
    """Lower-cased accented tokens of letters or numbers; punctuation, emoji and markup drop out."""
    return _TOKEN_RE.findall(_TAG_RE.sub(" ", clean(text)).casefold())


def expand_abbreviations(tokens: Iterable[str]) -> list[str]:
    out: list[str] = []
    for token in tokens:
        out.extend(CHAT_ABBREVIATIONS.get(token, token).split())
    return out


def telex_candidates(token: str) -> list[str]:
    """Spellings a token may have had before stray Telex/VNI keystrokes were left in it."""
    seen: list[str] = []

    def add(candidate: str) -> None:
        if candidate and candidate != token and candidate not in seen:
            seen.append(candidate)

    shaped = token
    for pattern, replacement in _TELEX_SHAPES:
        shaped = shaped.replace(pattern, replacement)
    shaped = _VNI_DIGITS.sub("", shaped)
    for base in (token, shaped):
        add(base)
        if base[-1:] in _TELEX_TONE_KEYS:
            add(base[:-1])
        for i, ch in enumerate(base[1:-1], start=1):
            if ch in _TELEX_TONE_KEYS:
                add(base[:i] + base[i + 1 :])
                if base[-1:] in _TELEX_TONE_KEYS:
                    add(base[:i] + base[i + 1 : -1])
    return seen


@dataclass
class Lexicon:
    """Groups of interchangeable folded phrases; every form maps to its group's first (canonical) form."""

    rewrites: dict[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict)
    longest: int = 1

    @classmethod
    def load(cls, path: Path) -> Lexicon:
        if not path.exists():
            return cls()
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return cls.from_groups(data.get("groups", []))

    @classmethod
    def from_groups(cls, groups: Iterable[Iterable[str]]) -> Lexicon:
        lexicon = cls()
        for group in groups:
            forms = [tuple(fold(" ".join(expand_abbreviations(raw_tokens(str(f))))).split()) for f in group]
            forms = [f for f in forms if f]
            if len(forms) < 2:
                continue
            canonical = forms[0]
            for form in forms[1:]:
                if form != canonical:
                    lexicon.rewrites.setdefault(form, canonical)
            lexicon.longest = max(lexicon.longest, *(len(f) for f in forms))
        return lexicon

    def apply(self, tokens: list[str]) -> list[str]:
        """Rewrite known phrases to their canonical form, longest match first, left to right."""
        return [token for token, _ in self.apply_aligned([(t, None) for t in tokens])]

    def apply_aligned(self, pairs: list[tuple[str, str | None]]) -> list[tuple[str, str | None]]:
        """`apply` on (token, source) pairs; tokens a rewrite produced have no source."""
        if not self.rewrites:
            return pairs
        tokens = [token for token, _ in pairs]
        out: list[tuple[str, str | None]] = []
        i = 0
        while i < len(tokens):
            for size in range(min(self.longest, len(tokens) - i), 0, -1):
                canonical = self.rewrites.get(tuple(tokens[i : i + size]))
                if canonical is not None:
                    out.extend((token, None) for token in canonical)
                    i += size
                    break
            else:
                out.append(pairs[i])
                i += 1
        return out

    def canonical_tokens(self) -> set[str]:
        return {token for form in self.rewrites.values() for token in form} | {
            token for form in self.rewrites for token in form
        }


@dataclass
class Normaliser:
    """Turns text into folded, repaired, canonical tokens. `vocabulary` comes from the content."""

    lexicon: Lexicon = field(default_factory=Lexicon)
    vocabulary: frozenset[str] = frozenset()
    typo_tolerance: bool = True
    telex_repair: bool = True
    fold_marks: bool = True
    abbreviations: bool = True
    _vocab_list: list[str] = field(default_factory=list, repr=False)
    _repair_cache: dict[str, str] = field(default_factory=dict, repr=False)

    def with_vocabulary(self, words: Iterable[str]) -> Normaliser:
        vocabulary = frozenset(words) | self.lexicon.canonical_tokens()
        return Normaliser(self.lexicon, vocabulary, self.typo_tolerance, self.telex_repair,
                          self.fold_marks, self.abbreviations, sorted(vocabulary))

    def _accented(self, text: str, drop: frozenset[str]) -> list[str]:
        tokens = raw_tokens(text)
        if self.abbreviations:
            tokens = expand_abbreviations(tokens)
        return [t for t in tokens if t not in drop] if drop else tokens

    def base_tokens(self, text: str, drop: frozenset[str] = frozenset()) -> list[str]:
        """Steps 1–3: clean, expand chat abbreviations, (drop accented words in `drop`,) fold."""
        tokens = self._accented(text, drop)
        return [fold(t) for t in tokens] if self.fold_marks else tokens

    def repair(self, token: str) -> str:
        """Steps 4–5 for one folded token the content does not know; the token itself otherwise."""
        if not self.vocabulary or token in self.vocabulary or token.isdigit() or is_syllable(token):
            return token
        cached = self._repair_cache.get(token)
        if cached is not None:
            return cached
        repaired = token
        if self.telex_repair:
            repaired = next((c for c in telex_candidates(token) if c in self.vocabulary), token)
        if repaired == token and self.typo_tolerance and len(token) >= 3:
            limit = 1 if len(token) < 7 else 2
            match = process.extractOne(token, self._vocab_list, scorer=Levenshtein.distance,
                                       score_cutoff=limit)
            if match is not None:
                repaired = match[0]
        if len(self._repair_cache) < 50_000:
            self._repair_cache[token] = repaired
        return repaired

    def aligned(self, text: str, drop: frozenset[str] = frozenset()) -> list[tuple[str, str | None]]:
        """The full pipeline, each token with the accented word it came from (None when a repair or a
        lexicon rewrite made it), so a caller can still tell "tuổi" from "tươi"."""
        pairs: list[tuple[str, str | None]] = []
        for raw in self._accented(text, drop):
            folded = fold(raw) if self.fold_marks else raw
            repaired = self.repair(folded)
            pairs.append((repaired, raw if repaired == folded else None))
        return self.lexicon.apply_aligned(pairs)

    def tokens(self, text: str, drop: frozenset[str] = frozenset()) -> list[str]:
        """The full pipeline: what both the index and the question are made of."""
        return [token for token, _ in self.aligned(text, drop)]


def bigrams(tokens: list[str]) -> list[str]:
    return [f"{a}_{b}" for a, b in zip(tokens, tokens[1:], strict=False)]
