"""The poverty standard as a pure function: table tests at every boundary policy-facts.md section 1 draws."""

from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

from core.answers.ranking import get_knowledge_base
from core.selfcheck.poverty import (
    ABOVE_AVERAGE,
    ABOVE_LINE,
    AVERAGE,
    NEAR_POOR,
    NEXT_STEP_ENTRIES,
    POOR,
    STANDARDS,
    SUPPORT,
    HouseholdAnswers,
    SelfCheckError,
    assess,
    standard_on,
)

pytestmark = pytest.mark.no_database

IN_2026 = date(2026, 11, 29)
IN_2027 = date(2027, 1, 1)
THREE = {"bhyt": True, "nha_tieu": True, "nuoc_sach": True}
TWO = {"bhyt": True, "nha_tieu": True}


def household(size: int = 1, area: str = "rural", income: int = 1_500_000, **indicators: bool | None):
    return HouseholdAnswers(household_size=size, area=area, monthly_income=income, indicators=indicators)


@pytest.mark.parametrize(
    ("size", "area", "income", "indicators", "on", "category"),
    [
        # 2022–2026, rural line 1,500,000 per person
        (1, "rural", 1_500_000, THREE, IN_2026, POOR),
        (1, "rural", 1_500_000, TWO, IN_2026, NEAR_POOR),
        (1, "rural", 1_500_001, THREE, IN_2026, AVERAGE),
        (4, "rural", 6_000_000, THREE, IN_2026, POOR),
        (4, "rural", 6_000_001, THREE, IN_2026, AVERAGE),
        (3, "rural", 4_500_001, THREE, IN_2026, AVERAGE),  # 1,500,000.33 each: just above, never rounded down
        (1, "rural", 2_250_000, {}, IN_2026, AVERAGE),
        (1, "rural", 2_250_001, {}, IN_2026, ABOVE_AVERAGE),
        (1, "rural", 0, {}, IN_2026, NEAR_POOR),
        # urban line 2,000,000: the same income is poor in a ward and average in a commune
        (1, "urban", 2_000_000, THREE, IN_2026, POOR),
        (1, "rural", 2_000_000, THREE, IN_2026, AVERAGE),
        (1, "urban", 2_000_001, THREE, IN_2026, AVERAGE),
        (1, "urban", 3_000_000, {}, IN_2026, AVERAGE),
        (1, "urban", 3_000_001, {}, IN_2026, ABOVE_AVERAGE),
        # last day of the old standard, first day of the new one
        (1, "rural", 2_000_000, THREE, date(2026, 12, 31), AVERAGE),
        (1, "rural", 2_000_000, THREE, IN_2027, POOR),
        (1, "rural", 2_200_000, TWO, IN_2027, NEAR_POOR),
        (1, "rural", 2_200_001, THREE, IN_2027, ABOVE_LINE),
        (1, "urban", 2_800_000, THREE, IN_2027, POOR),
        (1, "urban", 2_800_001, {}, IN_2027, ABOVE_LINE),
        (1, "rural", 9_000_000, {}, date(2030, 12, 31), ABOVE_LINE),
    ],
)
def test_category_at_the_boundaries(env, size, area, income, indicators, on, category):
    assert assess(household(size, area, income, **indicators), on=on).category == category


def test_three_deprivations_make_poor_two_make_near_poor(env):
    two = assess(household(**TWO), on=IN_2026)
    three = assess(household(**THREE), on=IN_2026)
    assert (two.deprivations, two.category) == (2, NEAR_POOR)
    assert (three.deprivations, three.category) == (3, POOR)
    assert [i.name for i in three.lacking] == ["bảo hiểm y tế", "nước sinh hoạt", "nhà vệ sinh"]


def test_income_per_person_and_line_used_are_reported(env):
    result = assess(household(3, "urban", 5_000_000), on=IN_2026)
    assert result.income_per_person == 1_666_667
    assert (result.income_line, result.average_upper) == (2_000_000, 3_000_000)
    assert result.area_name == "thành thị" and result.standard == "nd07_2021"
    assert "07/2021" in result.standard_name


def test_unknown_answers_count_as_not_lacking_and_are_listed(env):
    result = assess(household(bhyt=True, nha_tieu=True, nuoc_sach=None), on=IN_2026)
    assert result.category == NEAR_POOR and result.deprivations == 2
    assert "nước sinh hoạt" in [i.name for i in result.unknown]
    assert result.could_be_poor is True


def test_near_poor_with_everything_answered_could_not_be_poor(env):
    answers = {i.code: False for i in standard_on(IN_2026).indicators} | TWO
    result = assess(household(**answers), on=IN_2026)
    assert result.unknown == [] and result.could_be_poor is False


def test_indicator_sets_follow_the_standard(env):
    old = {i.code for i in standard_on(IN_2026).indicators}
    new = {i.code for i in standard_on(IN_2027).indicators}
    assert len(old) == 12 and "thiet_bi" in old
    assert "thiet_bi" not in new and {"dich_vu_so", "rac_thai"} <= new
    with pytest.raises(SelfCheckError, match="thiet_bi"):
        assess(household(thiet_bi=True), on=IN_2027)
    with pytest.raises(SelfCheckError, match="rac_thai"):
        assess(household(rac_thai=True), on=IN_2026)


def test_2027_results_are_flagged_provisional_and_invent_no_average_band(env):
    result = assess(household(1, "rural", 2_500_000), on=IN_2027)
    assert result.average_upper is None and result.category == ABOVE_LINE
    assert {n.code for n in result.provisional} == {"indicators_2027", "average_band_2027"}
    assert all(i.provisional for i in standard_on(IN_2027).indicators)
    assert assess(household(**THREE), on=IN_2026).provisional == []


def test_unconfirmed_2021_indicator_is_flagged_when_it_is_lacking(env):
    result = assess(household(viec_lam=True), on=IN_2026)
    assert [n.code for n in result.provisional] == ["indicator_wording"]
    assert "việc làm" in result.provisional[0].name


def test_support_next_step_and_disclaimer(env):
    poor = assess(household(**THREE), on=IN_2026)
    assert {s.code for s in poor.support} >= {"bhyt_free", "loan_poor", "tuition", "electricity", "legal_aid",
                                              "housing"}
    assert "bhyt-ho-ngheo" in poor.support[0].entries
    assert "trưởng ấp" in poor.next_step and poor.next_step_entries == list(NEXT_STEP_ENTRIES)
    assert "ước tính" in poor.disclaimer and "không phải quyết định" in poor.disclaimer
    near = assess(household(**TWO), on=IN_2026)
    assert "bhyt_near_poor" in {s.code for s in near.support} and "electricity" not in {s.code for s in near.support}
    assert assess(household(income=9_000_000), on=IN_2026).support == []


def test_every_linked_entry_exists_and_is_in_force_when_used(env):
    knowledge = get_knowledge_base(Path(__file__).resolve().parents[3] / "content")
    for standard in STANDARDS:
        for category, items in SUPPORT.items():
            if category == AVERAGE and standard.average_upper is None:
                continue
            for _, entries in items:
                for entry_id in (*entries, *NEXT_STEP_ENTRIES):
                    entry = knowledge.by_id.get(entry_id)
                    assert entry is not None, entry_id
                    assert entry.in_force(standard.valid_from), entry_id
                    assert entry.in_force(standard.valid_until), entry_id


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"household_size": 0}, "từ 1 đến 30"),
        ({"household_size": -2}, "từ 1 đến 30"),
        ({"household_size": 31}, "từ 1 đến 30"),
        ({"household_size": 10**9}, "từ 1 đến 30"),
        ({"household_size": "4"}, "integer"),
        ({"household_size": 2.5}, "integer"),
        ({"monthly_income": -1}, "số âm"),
        ({"monthly_income": 10**12}, "không được quá"),
        ({"area": "mountain"}, "rural"),
        ({"area": 1}, "rural"),
        ({"colour": "red"}, "Extra"),
    ],
)
def test_bad_answers_are_validation_errors(env, fields, message):
    valid = {"household_size": 4, "area": "rural", "monthly_income": 3_000_000}
    with pytest.raises(ValidationError, match=message):
        HouseholdAnswers(**(valid | fields))


@pytest.mark.parametrize(("said", "area"), [("nông thôn", "rural"), ("Thành thị", "urban"), ("phường", "urban"),
                                             ("xã", "rural"), ("urban", "urban")])
def test_area_may_be_given_in_vietnamese(env, said, area):
    assert HouseholdAnswers(household_size=1, area=said, monthly_income=0).area == area


@pytest.mark.parametrize("on", [date(2021, 12, 31), date(2031, 1, 1)])
def test_dates_without_an_issued_standard_are_refused(env, on):
    with pytest.raises(SelfCheckError, match="chuẩn nghèo đã ban hành"):
        assess(household(), on=on)
