"""The map of places on a real database: loading it, finding places as households type them, walking it."""

import asyncio

import pytest
from sqlmodel import func, select

from core.bootstrap import load_areas
from core.db import get_sync_engine, session_scope
from core.models import Area, AreaDataLoad
from core.places.areas import (
    UnknownAreaError,
    areas_within,
    child_areas,
    expand_to_hamlets,
    get_area,
    list_communes_with_hamlets,
    search_areas,
)
from core.places.map import PACKAGE_SOURCE, load_country_map
from core.settings import get_settings

HOA_LUU, VI_THANH, VI_TAN = "31338", "31321", "31333"


@pytest.fixture
async def area_map(database):
    await asyncio.to_thread(load_areas, get_settings())


async def codes_for(query, **kwargs):
    async with session_scope() as session:
        return [a.code for a in await search_areas(session, query, **kwargs)]


async def test_the_country_map_and_the_vi_thanh_files_are_loaded(area_map):
    async with session_scope() as session:
        can_tho = await get_area(session, "92")
        hoa_luu = await get_area(session, HOA_LUU)
        assert can_tho.name == "Thành phố Cần Thơ" and can_tho.kind == "province"
        assert hoa_luu.name == "Xã Hỏa Lựu" and hoa_luu.parent_code == "92" and hoa_luu.kind == "commune"
        assert (await get_area(session, VI_TAN)).kind == "ward"
        assert {"Xã Hỏa Tiến", "Xã Tân Tiến"} <= set(hoa_luu.aliases)
        thanh_an = await get_area(session, "31338-thanh-an")
        thanh_binh = await get_area(session, "31338-thanh-binh")
        assert thanh_an.name == "Ấp Thạnh An" and thanh_an.parent_code == HOA_LUU and thanh_an.source
        assert thanh_binh.name == "Ấp Thạnh Bình" and thanh_binh.source.startswith("https://")


async def test_loading_again_writes_nothing_and_changes_nothing(area_map):
    async with session_scope() as session:
        before = (await session.exec(select(func.count()).select_from(Area))).one()
    await asyncio.to_thread(load_areas, get_settings())
    from sqlmodel import Session

    with Session(get_sync_engine()) as session:
        assert load_country_map(session) == 0
        assert session.get(AreaDataLoad, PACKAGE_SOURCE).rows == before - 11  # 11 hamlets come from content/areas
    async with session_scope() as session:
        assert (await session.exec(select(func.count()).select_from(Area))).one() == before


@pytest.mark.parametrize("typed", ["Ấp Thạnh Bình", "ap thanh binh", "thanh binh", "THẠNH BÌNH", "thạnh bình hỏa lựu",
                                   "thanh binh xa hoa luu", "thanh bi"])
async def test_a_hamlet_is_found_with_or_without_diacritics_and_kind_words(area_map, typed):
    assert (await codes_for(typed))[0] == "31338-thanh-binh"


async def test_hamlet_name_plus_former_commune_name_finds_thanh_an(area_map):
    assert (await codes_for("thanh an hoa tien"))[0] == "31338-thanh-an"
    assert (await codes_for("ấp Thạnh An xã Hỏa Tiến"))[0] == "31338-thanh-an"


@pytest.mark.parametrize("typed", ["xã Hỏa Tiến", "hoa tien", "tan tien", "Hỏa Lựu"])
async def test_a_former_commune_name_finds_the_commune_that_absorbed_it(area_map, typed):
    assert (await codes_for(typed, kinds=("commune", "ward")))[0] == HOA_LUU


@pytest.mark.parametrize("typed", ["thành phố Vị Thanh", "tp vi thanh", "phường Vị Thanh", "phuong 7"])
async def test_the_former_city_and_wards_find_phuong_vi_thanh(area_map, typed):
    assert (await codes_for(typed, kinds=("ward",)))[0] == VI_THANH


async def test_an_ambiguous_name_returns_several_places_best_first(area_map):
    found = await codes_for("Thạnh")
    assert len(found) >= 5
    assert {"31338-thanh-an", "31338-thanh-binh", "31338-thanh-loi"} <= set(found)


async def test_kinds_limit_and_nonsense(area_map):
    assert all(code.startswith("31338-") for code in await codes_for("thanh", kinds=("hamlet",)))
    assert len(await codes_for("thanh", limit=3)) == 3
    assert await codes_for("zzqx wvk") == []
    assert await codes_for("ấp xã") == []  # only kind words
    assert await codes_for("") == []


async def test_search_under_a_parent_only_returns_its_children(area_map):
    assert await codes_for("thanh", parent_code=VI_TAN) == []
    assert (await codes_for("thanh binh", parent_code=HOA_LUU)) == ["31338-thanh-binh"]


async def test_children_are_in_natural_order_and_communes_with_hamlets_are_listed(area_map):
    async with session_scope() as session:
        kv = [a.name for a in await child_areas(session, VI_THANH, kind="hamlet")]
        assert kv == [f"Khu vực {n} (phường I cũ)" for n in (1, 2, 3, 4)]
        offered = [a.code for a in await list_communes_with_hamlets(session)]
        assert HOA_LUU in offered and VI_THANH in offered and VI_TAN not in offered


async def test_expand_to_hamlets(area_map):
    async with session_scope() as session:
        hoa_luu = await expand_to_hamlets(session, [HOA_LUU])
        assert len(hoa_luu) == 7 and "31338-thanh-an" in hoa_luu and all(c.startswith("31338-") for c in hoa_luu)
        both = await expand_to_hamlets(session, ["31338-thanh-an", HOA_LUU])
        assert both[0] == "31338-thanh-an" and sorted(both) == sorted(hoa_luu)  # in order given, no repeats
        assert await expand_to_hamlets(session, [VI_TAN]) == [VI_TAN]  # no hamlet on file: the ward itself
        province = await expand_to_hamlets(session, ["92"])
        assert "31338-thanh-an" in province and VI_TAN in province and HOA_LUU not in province
        with pytest.raises(UnknownAreaError) as raised:
            await expand_to_hamlets(session, [HOA_LUU, "nowhere", "31338-khong-co"])
        assert raised.value.codes == ["nowhere", "31338-khong-co"] and "nowhere" in str(raised.value)


async def test_areas_within_a_scope(area_map):
    async with session_scope() as session:
        commune = await areas_within(session, [HOA_LUU])
        assert HOA_LUU in commune and "31338-thanh-an" in commune and "31321-phuong-i-kv-1" not in commune
        assert await areas_within(session, ["31338-thanh-an"]) == {"31338-thanh-an"}
        assert {HOA_LUU, VI_THANH, "31321-phuong-i-kv-1"} <= await areas_within(session, ["92"])
        assert await areas_within(session, ["unknown"]) == set()


async def test_every_shipped_row_loads_and_names_its_source(database):
    from sqlmodel import Session

    from core.places.importer import read_area_file
    from core.places.map import area_files, load_area_file, load_country_map

    directory = get_settings().content_dir / "areas"
    with Session(get_sync_engine()) as session:
        load_country_map(session)
        for path in area_files(directory):
            assert not load_area_file(session, path, force=True).report.bad, path.name
            for row in read_area_file(path):
                assert row.fields.get("source"), f"{path.name}:{row.line} has no source"
