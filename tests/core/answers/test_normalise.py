"""Vietnamese normalisation: the same tokens whatever way a household types."""

import unicodedata

import pytest

from core.answers.normalise import Lexicon, Normaliser, clean, fold, telex_candidates

pytestmark = pytest.mark.no_database

LEXICON = Lexicon.from_groups([["heo", "lợn"], ["khóm", "thơm", "dứa"], ["vay", "dzay"],
                               ["nhcsxh", "ngân hàng chính sách xã hội"], ["cccd", "căn cước công dân"]])
VOCAB = ["ho", "ngheo", "vay", "von", "khong", "duoc", "nguoi", "heo", "khom", "hoa", "tien", "nhcsxh",
         "lai", "suat", "bao", "nhieu", "cccd", "thanh", "an"]


@pytest.fixture
def normaliser() -> Normaliser:
    return Normaliser(LEXICON).with_vocabulary(VOCAB)


def test_decomposed_text_from_phones_folds_like_composed_text():
    composed = "Hộ nghèo"
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    assert fold(decomposed) == fold(composed) == "ho ngheo"


def test_d_with_stroke_folds_to_d_and_case_is_ignored():
    assert fold("ĐƯỢC Đồng") == "duoc dong"


def test_old_and_new_tone_placement_fold_alike():
    assert fold("hoà") == fold("hòa") == "hoa"
    assert fold("thuỷ") == fold("thủy")


def test_stray_telex_keystrokes_are_repaired(normaliser):
    assert normaliser.tokens("hoj ngheof") == ["ho", "ngheo"]
    assert normaliser.tokens("vaay voons") == ["vay", "von"]


def test_telex_candidates_strip_tone_keys_and_doubled_vowels():
    assert "ngheo" in telex_candidates("ngheof")
    assert "vay" in telex_candidates("vaay")


@pytest.mark.parametrize("typed", ["ko", "k", "hok", "hông", "hổng", "không", "khong"])
def test_chat_forms_of_khong(normaliser, typed):
    assert normaliser.tokens(typed) == ["khong"]


def test_duoc_and_nguoi_abbreviations(normaliser):
    assert normaliser.tokens("dc") == normaliser.tokens("đc") == ["duoc"]
    assert normaliser.tokens("ng") == ["nguoi"]


def test_hong_with_a_different_accent_is_not_khong(normaliser):
    assert normaliser.tokens("hỏng") != ["khong"]


def test_lexicon_maps_dialect_and_synonyms_to_one_form(normaliser):
    assert normaliser.tokens("lợn") == ["heo"]
    assert normaliser.tokens("trái thơm") [-1] == normaliser.tokens("dứa")[-1] == "khom"
    assert normaliser.tokens("dzay vốn") == ["vay", "von"]


def test_lexicon_rewrites_the_longest_phrase_first(normaliser):
    assert normaliser.tokens("Ngân hàng Chính sách xã hội") == ["nhcsxh"]
    assert normaliser.tokens("số căn cước công dân") == ["so", "cccd"]


def test_typos_close_to_a_known_word_are_corrected(normaliser):
    assert normaliser.tokens("ngeo") == ["ngheo"]
    assert normaliser.tokens("nhcsxhh") == ["nhcsxh"]


def test_short_unknown_words_are_not_forced_onto_known_ones(normaliser):
    assert normaliser.tokens("xyz") == ["xyz"]


def test_money_like_50k_is_not_read_as_khong(normaliser):
    assert normaliser.tokens("50k") == ["50k"]


@pytest.mark.parametrize("junk", ["", "   ", "😀😀😀", "\x00\x07\x1b", "<b></b>", "***"])
def test_junk_gives_no_tokens(normaliser, junk):
    assert normaliser.tokens(junk) == []


def test_clean_removes_control_characters_and_collapses_spaces():
    assert clean(" a\x00\tb\n\nc ") == "a b c"


@pytest.mark.parametrize("token", ["mien", "nghieng", "khuyen", "gia", "quyen", "ngheo", "ke", "ca", "uong"])
def test_real_syllables_are_recognised(token):
    from core.answers.normalise import is_syllable

    assert is_syllable(token)


@pytest.mark.parametrize("token", ["ngeo", "hoj", "ngheof", "vaay", "voons", "ka", "ghe1", "nghoe", "ce"])
def test_impossible_syllables_are_recognised(token):
    from core.answers.normalise import is_syllable

    assert not is_syllable(token)


def test_a_real_word_we_do_not_know_is_not_bent_into_one_we_do(normaliser):
    assert normaliser.tokens("miền") == ["mien"]


@pytest.mark.parametrize("invisible", ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"])
def test_zero_width_characters_inside_words_are_stripped(normaliser, invisible):
    typed = invisible.join("vay") + " v" + invisible + "ốn"
    assert normaliser.tokens(typed) == normaliser.tokens("vay vốn")
    assert clean(typed) == "vay vốn"


def test_the_zero_width_joiner_between_emoji_is_kept():
    family = "\U0001F468\u200d\U0001F469\u200d\U0001F467"
    assert clean(family) == family
