"""The multidimensional poverty standard (chuẩn nghèo đa chiều) as a pure function: answers in, an estimate out.

Sources: /work/shared/reference/policy-facts.md section 1.
- 1/1/2022–31/12/2026: Nghị định 07/2021/NĐ-CP (Nghị định 351/2025 keeps it for 2026). Income per person per month:
  rural ≤ 1,500,000 / urban ≤ 2,000,000 đồng. Poor = at or below the line AND ≥ 3 of 12 deprivations; near-poor =
  at or below the line and < 3; average living standard = above the line up to 2,250,000 / 3,000,000.
- 1/1/2027–31/12/2030: Nghị định 351/2025/NĐ-CP. Lines 2,200,000 / 2,800,000, same ≥ 3 rule; the information-devices
  indicator is removed, digital-services/internet use and household-waste handling are added. The final indicator
  thresholds and the average-living band were not found (⚠): every 2027 result says its indicators are provisional,
  and above the line it says "above the poverty line" instead of inventing a band.
Income is compared as household total ≤ line × size, so rounding never moves a household across a line.
Indicators the household could not answer ("Không rõ", or left out) count as not lacking, and the result says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator

from core import ui_texts as texts
from core.answers.normalise import fold
from core.selfcheck.money import format_vnd

RURAL, URBAN = "rural", "urban"
POOR, NEAR_POOR, AVERAGE, ABOVE_AVERAGE, ABOVE_LINE = "poor", "near_poor", "average", "above_average", "above_line"
MIN_DEPRIVATIONS_POOR = 3
MAX_HOUSEHOLD_SIZE = 30
MAX_MONTHLY_INCOME = 1_000_000_000
AREA_WORDS = {"nong thon": RURAL, "nong_thon": RURAL, "xa": RURAL, "o xa": RURAL, "que": RURAL, "thanh thi": URBAN,
              "thanh_thi": URBAN, "do thi": URBAN, "phuong": URBAN, "o phuong": URBAN, "thanh pho": URBAN}


@dataclass(frozen=True)
class Indicator:
    """One deprivation indicator; `provisional` when its threshold is unconfirmed (⚠ in policy-facts)."""

    code: str
    provisional: bool = False

    @property
    def name(self) -> str:
        return texts.get(f"selfcheck.indicators.{self.code}.name")

    @property
    def question(self) -> str:
        return texts.get(f"selfcheck.indicators.{self.code}.question")


@dataclass(frozen=True)
class Standard:
    """A poverty standard and the dates it governs."""

    code: str
    valid_from: date
    valid_until: date
    lines: dict[str, int]
    average_upper: dict[str, int] | None
    indicators: tuple[Indicator, ...]
    notes: tuple[str, ...] = ()  # provisional notes every result under this standard carries

    @property
    def name(self) -> str:
        return texts.get(f"selfcheck.standards.{self.code}")

    def indicator(self, code: str) -> Indicator | None:
        return next((i for i in self.indicators if i.code == code), None)


_SHARED = ("viec_lam", "phu_thuoc", "dinh_duong", "bhyt", "hoc_van", "di_hoc", "nha_tam", "dien_tich", "nuoc_sach",
           "nha_tieu", "vien_thong")
_PROVISIONAL_2021 = {"viec_lam", "thiet_bi"}
STANDARDS: tuple[Standard, ...] = (
    Standard(
        code="nd07_2021", valid_from=date(2022, 1, 1), valid_until=date(2026, 12, 31),
        lines={RURAL: 1_500_000, URBAN: 2_000_000}, average_upper={RURAL: 2_250_000, URBAN: 3_000_000},
        indicators=tuple(Indicator(c, c in _PROVISIONAL_2021) for c in (*_SHARED, "thiet_bi")),
    ),
    Standard(
        code="nd351_2025", valid_from=date(2027, 1, 1), valid_until=date(2030, 12, 31),
        lines={RURAL: 2_200_000, URBAN: 2_800_000}, average_upper=None,
        indicators=(*(Indicator(c, True) for c in _SHARED), Indicator("dich_vu_so", True), Indicator("rac_thai", True)),
        notes=("indicators_2027", "average_band_2027"),
    ),
)
# Every indicator code of any standard: the schema's allowed keys of `indicators`.
ALL_INDICATOR_CODES: list[str] = sorted({i.code for s in STANDARDS for i in s.indicators})

# What recognition opens, with the content entries that explain it (tests check every id exists).
SUPPORT: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    POOR: (("bhyt_free", ("bhyt-ho-ngheo",)), ("loan_poor", ("vay-ho-ngheo",)),
           ("tuition", ("ho-tro-hoc-phi-con-ho-ngheo",)), ("electricity", ("ho-tro-tien-dien-ho-ngheo",)),
           ("legal_aid", ("tro-giup-phap-ly-ho-ngheo",)), ("housing", ("ho-tro-nha-o-ho-ngheo", "vay-xay-sua-nha-o"))),
    NEAR_POOR: (("bhyt_near_poor", ("bhyt-ho-can-ngheo",)), ("loan_near_poor", ("vay-ho-can-ngheo",)),
                ("tuition", ("ho-tro-hoc-phi-con-ho-ngheo",)), ("housing_loan", ("vay-xay-sua-nha-o",))),
    AVERAGE: (("average", ("ho-muc-song-trung-binh",)),),
}
NEXT_STEP_ENTRIES = ("de-nghi-xet-ho-ngheo", "ra-soat-ho-ngheo-hang-nam")


class SelfCheckError(ValueError):
    """Answers that cannot be assessed; the message is Vietnamese, for the person who sent them."""

    status = 422


class NoStandardOn(SelfCheckError):
    """No standard is in force on the date asked about (the API answers 404)."""

    status = 404


class IndicatorOfAnotherStandard(SelfCheckError):
    """An indicator code of a standard other than the one in force on the date (the API answers 409)."""

    status = 409


def standard_on(on: date) -> Standard:
    """The standard in force on `on`; SelfCheckError outside the standards that have been issued."""
    for standard in STANDARDS:
        if standard.valid_from <= on <= standard.valid_until:
            return standard
    raise NoStandardOn(texts.get("selfcheck.errors.date", first=STANDARDS[0].valid_from.strftime("%d/%m/%Y"),
                                   last=STANDARDS[-1].valid_until.strftime("%d/%m/%Y")))


class HouseholdAnswers(BaseModel):
    """What the household told us. `indicators`: code → True (lacking), False (not lacking), None (không rõ)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    household_size: StrictInt = Field(description="People who live and share income in the household (1–30).",
                                      json_schema_extra={"minimum": 1, "maximum": MAX_HOUSEHOLD_SIZE})
    area: Literal["rural", "urban"] = Field(description='"rural" (nông thôn: a xã) or "urban" (thành thị: a phường).')
    monthly_income: StrictInt = Field(description="The whole household's income per month, in đồng.",
                                      json_schema_extra={"minimum": 0, "maximum": MAX_MONTHLY_INCOME})
    indicators: dict[str, bool | None] = Field(
        default_factory=dict, description="Indicator code → lacking (true), not lacking (false), unknown (null).",
        json_schema_extra=lambda schema: schema.update(propertyNames={"enum": ALL_INDICATOR_CODES}))

    @field_validator("household_size", "monthly_income", mode="before")
    @classmethod
    def _whole_floats_are_ints(cls, value: Any) -> Any:
        """11.0 is the integer 11 in JSON (and to JSON Schema); 11.5, "11" and true stay refused."""
        return int(value) if isinstance(value, float) and value.is_integer() else value

    @field_validator("household_size")
    @classmethod
    def _size_in_range(cls, value: int) -> int:
        if not 1 <= value <= MAX_HOUSEHOLD_SIZE:
            raise ValueError(texts.get("selfcheck.errors.size_range", max=MAX_HOUSEHOLD_SIZE))
        return value

    @field_validator("area", mode="before")
    @classmethod
    def _area_words(cls, value: Any) -> Any:
        if isinstance(value, str):
            key = fold(value).strip()
            if key in (RURAL, URBAN):
                return key
            if key in AREA_WORDS:
                return AREA_WORDS[key]
        raise ValueError(texts.get("selfcheck.errors.area"))

    @field_validator("monthly_income")
    @classmethod
    def _income_in_range(cls, value: int) -> int:
        if value < 0:
            raise ValueError(texts.get("selfcheck.errors.income_negative"))
        if value > MAX_MONTHLY_INCOME:
            raise ValueError(texts.get("selfcheck.errors.income_too_high", max=format_vnd(MAX_MONTHLY_INCOME)))
        return value


class NamedItem(BaseModel):
    code: str
    name: str
    provisional: bool = False
    entries: list[str] = Field(default_factory=list, description="Content entry ids to read more.")


class Assessment(BaseModel):
    """The estimate, with everything the household needs to read it."""

    on: date
    standard: str = Field(description="Code of the standard applied (nd07_2021 or nd351_2025).")
    standard_name: str
    category: str = Field(description="poor | near_poor | average | above_average | above_line")
    category_name: str
    household_size: int
    area: str
    area_name: str
    monthly_income: int
    income_per_person: int = Field(description="Rounded to the đồng; categories compare exact totals.")
    income_line: int
    average_upper: int | None = Field(description="Top of the average-living band; null when not issued.")
    deprivations: int
    lacking: list[NamedItem]
    unknown: list[NamedItem] = Field(description="Indicators answered 'không rõ' or left out: counted as not lacking.")
    could_be_poor: bool = Field(description="Near-poor now, poor if the unknown indicators were lacking.")
    support: list[NamedItem]
    provisional: list[NamedItem]
    next_step: str
    next_step_entries: list[str]
    disclaimer: str


def _categorise(standard: Standard, answers: HouseholdAnswers, deprivations: int) -> str:
    total, size = answers.monthly_income, answers.household_size
    if total <= standard.lines[answers.area] * size:
        return POOR if deprivations >= MIN_DEPRIVATIONS_POOR else NEAR_POOR
    if standard.average_upper is None:
        return ABOVE_LINE
    return AVERAGE if total <= standard.average_upper[answers.area] * size else ABOVE_AVERAGE


def _checked_indicators(standard: Standard, answers: HouseholdAnswers) -> None:
    unknown = [code for code in answers.indicators if standard.indicator(code) is None]
    if unknown:
        error = IndicatorOfAnotherStandard if set(unknown) <= set(ALL_INDICATOR_CODES) else SelfCheckError
        raise error(texts.get("selfcheck.errors.unknown_indicators", standard=standard.name,
                                       codes=", ".join(unknown),
                                       allowed=", ".join(i.code for i in standard.indicators)))


def _notes(standard: Standard, lacking: list[Indicator]) -> list[NamedItem]:
    notes = [NamedItem(code=code, name=texts.get(f"selfcheck.notes.{code}"), provisional=True)
             for code in standard.notes]
    unsure = [i for i in lacking if i.provisional]
    if unsure and not standard.notes:
        names = ", ".join(i.name for i in unsure)
        notes.append(NamedItem(code="indicator_wording", provisional=True,
                               name=texts.get("selfcheck.notes.indicator_wording", names=names)))
    return notes


def _item(indicator: Indicator) -> NamedItem:
    return NamedItem(code=indicator.code, name=indicator.name, provisional=indicator.provisional)


def assess(answers: HouseholdAnswers, *, on: date) -> Assessment:
    """Estimate the household's category under the standard in force on `on` (SelfCheckError if none is)."""
    standard = standard_on(on)
    _checked_indicators(standard, answers)
    lacking = [i for i in standard.indicators if answers.indicators.get(i.code) is True]
    unknown = [i for i in standard.indicators if answers.indicators.get(i.code) is None]
    category = _categorise(standard, answers, len(lacking))
    could_be_poor = category == NEAR_POOR and len(lacking) + len(unknown) >= MIN_DEPRIVATIONS_POOR
    size = answers.household_size
    step = category if category in (POOR, NEAR_POOR, AVERAGE) else "above"
    return Assessment(
        on=on, standard=standard.code, standard_name=standard.name, category=category,
        category_name=texts.get(f"selfcheck.categories.{category}"),
        household_size=size, area=answers.area, area_name=texts.get(f"selfcheck.areas.{answers.area}"),
        monthly_income=answers.monthly_income,
        income_per_person=(2 * answers.monthly_income + size) // (2 * size),
        income_line=standard.lines[answers.area],
        average_upper=standard.average_upper[answers.area] if standard.average_upper else None,
        deprivations=len(lacking), lacking=[_item(i) for i in lacking], unknown=[_item(i) for i in unknown],
        could_be_poor=could_be_poor,
        support=[NamedItem(code=code, name=texts.get(f"selfcheck.support.{code}"), entries=list(entries))
                 for code, entries in SUPPORT.get(category, ())],
        provisional=_notes(standard, lacking),
        next_step=texts.get(f"selfcheck.next_step.{step}"),
        next_step_entries=list(NEXT_STEP_ENTRIES) if step != "above" or could_be_poor else [NEXT_STEP_ENTRIES[0]],
        disclaimer=texts.get("selfcheck.disclaimer"),
    )
