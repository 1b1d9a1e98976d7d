"""The demo generator: deterministic, valid against the schema, believable ranges."""

import numpy as np
import pandas as pd
import pytest

from cop.core import vocab
from cop.data import demo
from cop.data.schema import TABLE_ORDER
from cop.data.validation import validate_frame
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def tables():
    return demo.generate("small", seed=42)


def test_same_seed_same_data_other_seed_other_data(tables):
    again = demo.generate("small", seed=42)
    for name in TABLE_ORDER:
        pd.testing.assert_frame_equal(tables[name], again[name])
    other = demo.generate("small", seed=43)
    assert not tables["measures"].equals(other["measures"])


def test_shipped_csv_files_are_the_generator_output(tables, tmp_path):
    """Every shipped demo CSV is, byte for byte, what ``python -m cop demo`` writes (seed 42)."""
    demo.write(tables, tmp_path)
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == sorted([*(f"{name}.csv" for name in TABLE_ORDER), "DEMO"])
    for name in written:
        shipped = (ROOT / "data" / name).read_text(encoding="utf-8").splitlines()
        generated = (tmp_path / name).read_text(encoding="utf-8").splitlines()
        first_difference = next(
            (
                i
                for i, pair in enumerate(zip(shipped, generated, strict=False))
                if pair[0] != pair[1]
            ),
            None,
        )
        assert first_difference is None, (name, first_difference + 1, shipped[first_difference])
        assert len(shipped) == len(generated), name
        assert (ROOT / "data" / name).read_bytes() == (tmp_path / name).read_bytes(), name


def test_every_table_validates(tables):
    codes = set(tables["municipalities"]["code"])
    for name in TABLE_ORDER:
        known = None if name == "municipalities" else codes
        report = validate_frame(tables[name].astype("string"), name, known_codes=known)
        assert report.ok, (name, report.messages("en", 5))


def test_partners_spread_and_measures_per_partner(tables):
    towns = tables["municipalities"]
    partners = towns[towns["is_partner"]]
    assert len(towns) == 342
    assert 33 <= len(partners) <= 37
    assert set(partners["province"]) == set(vocab.PROVINCES)
    per_partner = tables["measures"].groupby("municipality_code").size()
    assert per_partner.min() >= 8 and per_partner.max() <= 40
    assert set(per_partner.index) == set(partners["code"])
    assert set(tables["measures"]["theme"]) >= set(vocab.THEMES[:12])


def test_maturity_five_years_with_progress_frontrunners_and_starters(tables):
    maturity = tables["maturity"]
    assert maturity["year"].nunique() == 5
    assert maturity["level"].between(1, 5).all()
    mean = maturity.groupby(["municipality_code", "year"])["level"].mean().unstack()
    first, last = mean.min(axis=1), mean.max(axis=1)
    assert (mean.ffill(axis=1).iloc[:, -1] >= mean.bfill(axis=1).iloc[:, 0] - 0.5).all()
    assert (last >= 4).any() and (first <= 1.8).any()  # frontrunners and starters exist


def test_monitoring_counts_have_gaps_zeros_and_ten_plus_years(tables):
    mon = tables["monitoring"]
    assert mon["year"].nunique() >= 10
    assert mon["count"].isna().any() and (mon["count"] == 0).any()
    assert (mon["count"].dropna() >= 0).all()
    assert mon.duplicated(["site_id", "scheme", "species", "year"]).sum() == 0


def test_questions_meetings_resources(tables):
    assert set(tables["help_questions"]["status"]) == {"open", "answered"}
    assert len(tables["meetings"]) >= 3 and len(tables["resources"]) >= 20


def test_people_are_illustrative(tables):
    assert tables["contacts"]["email"].str.endswith(".example").all()


def test_national_scale_shape():
    big = demo.generate("national", seed=1)
    assert big["municipalities"]["is_partner"].all()
    assert 15_000 <= len(big["measures"]) <= 25_000
    assert 800_000 <= len(big["monitoring"]) <= 1_300_000
    assert np.isfinite(big["monitoring"]["lat"]).all()
