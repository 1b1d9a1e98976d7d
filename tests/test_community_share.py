"""Unit tests of sharing practices (issue 13): place check, photos, submissions, review, CLI.

Expected values are computed here from the inputs (a point's municipality from the shared
boundaries, a picture's pixels and metadata with Pillow), not read back from the code.
"""

from __future__ import annotations

import io
import shutil

import pandas as pd
import pytest
from PIL import Image, PngImagePlugin

from cop.cli.main import main as cli_main
from cop.community import location, photos, practices, submissions
from cop.data import storage
from cop.data.schema import MB
from tests.conftest import ROOT, SHARED_BOUNDARIES, require

HOME = "GM0344"  # Utrecht


@pytest.fixture
def engine(demo_db_file, tmp_path):
    path = tmp_path / "cop.sqlite"
    shutil.copy(demo_db_file, path)
    engine = storage.make_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def gdf():
    require(SHARED_BOUNDARIES.exists(), "../shared boundaries are needed")
    import geopandas as gpd

    frame = gpd.read_file(SHARED_BOUNDARIES)
    return frame.rename(columns={"statcode": "code", "statnaam": "name"})


def jpeg_with_gps(size=(120, 80), orientation: int | None = None) -> bytes:
    picture = Image.new("RGB", size, (10, 200, 30))
    picture.putpixel((0, 0), (255, 0, 0))
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"  # Make
    exif[0xA431] = "SERIAL-12345"  # BodySerialNumber
    gps = {1: "N", 2: (52.0, 5.0, 30.0), 3: "E", 4: (5.0, 7.0, 1.0)}
    exif[0x8825] = gps
    if orientation:
        exif[0x0112] = orientation
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", exif=exif, comment=b"secret comment")
    return buffer.getvalue()


# ---------------------------------------------------------------- place


def test_place_in_own_municipality_by_boundary(gdf):
    utrecht = gdf[gdf["code"] == HOME].geometry.iloc[0].representative_point()
    amsterdam = gdf[gdf["code"] == "GM0363"].geometry.iloc[0].representative_point()
    municipalities = pd.DataFrame(
        {
            "code": [HOME, "GM0363"],
            "name": ["Utrecht", "Amsterdam"],
            "lat": [52.09, 52.37],
            "lon": [5.12, 4.9],
            "area_km2": [99.0, 219.0],
        }
    )
    inside = location.check_place(utrecht.y, utrecht.x, HOME, municipalities, gdf)
    assert (inside.ok, inside.method, inside.key) == (True, "boundary", "share.place_inside")
    elsewhere = location.check_place(amsterdam.y, amsterdam.x, HOME, municipalities, gdf)
    assert not elsewhere.ok and elsewhere.key == "share.place_in_other"
    assert elsewhere.params["other"] == "Amsterdam" and elsewhere.params["distance_m"] > 10_000


def test_place_without_boundaries_is_a_distance_check():
    municipalities = pd.DataFrame(
        {"code": [HOME], "name": ["Utrecht"], "lat": [52.0], "lon": [5.0], "area_km2": [100.0]}
    )
    reach = location.reach_km(100.0)  # 2 * sqrt(100 / pi) = 11.28 km
    assert reach == pytest.approx(11.28, abs=0.01)
    # 0.1 degree of latitude is 11.12 km: just inside; 0.11 degree (12.2 km) is outside
    assert location.check_place(52.1, 5.0, HOME, municipalities, None).ok
    far = location.check_place(52.11, 5.0, HOME, municipalities, None)
    assert not far.ok and far.key == "share.place_far" and far.method == "distance"
    assert location.check_place(None, None, HOME, municipalities, None).key == "share.place_none"


def test_clicked_point_reads_st_folium():
    assert location.clicked_point({"last_clicked": {"lat": 52.1, "lng": 5.2}}) == (52.1, 5.2)
    assert location.clicked_point({"last_clicked": {"lat": "x", "lng": 5}}) is None
    assert location.clicked_point(None) is None


# ---------------------------------------------------------------- photos


def test_photo_is_reencoded_without_exif_gps_and_comment():
    original = jpeg_with_gps()
    assert b"SERIAL-12345" in original and b"secret comment" in original
    photo = photos.prepare_photo(original)
    assert photo.mime == "image/jpeg" and (photo.width, photo.height) == (120, 80)
    for leak in (b"SERIAL-12345", b"CameraMaker", b"secret comment", b"Exif"):
        assert leak not in photo.data
    again = Image.open(io.BytesIO(photo.data))
    assert not again.getexif() and 0x8825 not in again.getexif()
    assert again.getpixel((60, 40))[1] > 150  # still the green picture


def test_photo_orientation_applied_before_stripping():
    # Orientation 6: the camera was turned; the picture shows upright as 80 x 120.
    photo = photos.prepare_photo(jpeg_with_gps(orientation=6))
    assert (photo.width, photo.height) == (80, 120)


def test_png_text_chunks_removed_and_webp_accepted():
    info = PngImagePlugin.PngInfo()
    info.add_text("GPS", "52.1,5.1")
    buffer = io.BytesIO()
    Image.new("RGBA", (30, 20), (0, 0, 255, 128)).save(buffer, "PNG", pnginfo=info)
    photo = photos.prepare_photo(buffer.getvalue())
    assert photo.mime == "image/png" and b"52.1,5.1" not in photo.data
    assert Image.open(io.BytesIO(photo.data)).mode == "RGBA"
    buffer = io.BytesIO()
    Image.new("RGB", (30, 20), "white").save(buffer, "WEBP")
    assert photos.prepare_photo(buffer.getvalue()).mime == "image/webp"


@pytest.mark.parametrize(
    ("data", "key"),
    [
        (b"", "photo.empty"),
        (b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", "photo.not_image"),
        (b"GIF89a" + bytes(100), "photo.not_image"),
        (b"\xff\xd8\xff\xe0" + bytes(200), "photo.not_image"),  # a JPEG header, then nothing
        (b"PK\x03\x04" + bytes(100), "photo.not_image"),  # a zip renamed foto.jpg
    ],
)
def test_photo_refused_by_content(data, key):
    with pytest.raises(photos.PhotoRefused) as refused:
        photos.prepare_photo(data)
    assert refused.value.key == key


def test_photo_too_large_refused_before_decoding():
    with pytest.raises(photos.PhotoRefused) as refused:
        photos.prepare_photo(b"\xff\xd8\xff" + bytes(5 * MB))
    assert refused.value.key == "photo.too_large" and refused.value.params["max_mb"] == 5


def test_decompression_bomb_refused():
    buffer = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(buffer, "PNG")  # 100 megapixels, a few kB
    assert len(buffer.getvalue()) < 100_000
    with pytest.raises(photos.PhotoRefused) as refused:
        photos.prepare_photo(buffer.getvalue())
    assert refused.value.key == "photo.too_many_pixels"


def test_large_picture_scaled_down():
    buffer = io.BytesIO()
    Image.new("RGB", (4000, 1000), "white").save(buffer, "JPEG")
    photo = photos.prepare_photo(buffer.getvalue())
    assert (photo.width, photo.height) == (photos.MAX_SIDE, photos.MAX_SIDE // 4)


# ---------------------------------------------------------------- practices


def test_parse_measure_id():
    assert practices.parse_measure_id(" 42 ").measure_id == 42
    for bad in ("-1", "0", "4.5", "1e3", "abc", "<script>", "99999999999"):
        assert practices.parse_measure_id(bad).problem == "malformed", bad


def test_similar_practices_by_theme_and_comparable_town():
    towns = pd.DataFrame(
        {
            "code": ["GM0001", "GM0002", "GM0003", "GM0004"],
            "name": ["A", "B", "C", "D"],
            "population": [30_000, 35_000, 300_000, 32_000],
            "urbanity": [3, 3, 1, 3],
        }
    )
    measures = pd.DataFrame(
        {
            "id": [1, 2, 3, 4, 5],
            "municipality_code": ["GM0001", "GM0003", "GM0002", "GM0004", "GM0001"],
            "title": ["own", "big city", "twin", "other theme", "own too"],
            "theme": ["depaving", "depaving", "depaving", "green_roofs_walls", "depaving"],
            "status": ["realised"] * 5,
            "start_year": [2020, 2021, 2019, 2020, 2022],
        }
    )
    similar = practices.similar_practices(measures, towns, 1)
    # twin (same size class 2, urbanity 3: gap 0) before big city (class 5, urbanity 1: gap 5)
    assert similar["id"].tolist() == [3, 2]
    assert similar["gap"].tolist() == [0, 5]


# ---------------------------------------------------------------- submissions and review


def _share(engine, title="Tegels eruit", uploads=(), role="member", **extra):
    towns = storage.read_table(engine, "municipalities")
    home = towns.set_index("code").loc[HOME]
    values = {
        "title": title,
        "theme": "depaving",
        "status": "realised",
        "start_year": 2024,
        "lat": float(home["lat"]),
        "lon": float(home["lon"]),
        **extra,
    }
    return submissions.share_practice(
        engine,
        values,
        municipality_code=HOME,
        role=role,
        account_municipality=HOME,
        username="anna",
        municipalities=towns,
        boundaries_gdf=None,
        uploads=list(uploads),
    )


def test_pending_submission_and_photo_stay_out_of_the_published_view(engine):
    result = _share(engine, uploads=[submissions.Upload(jpeg_with_gps(), "Voor")])
    assert result.ok and result.state == "pending" and len(result.photo_ids) == 1
    assert result.measure_id not in set(storage.read_table(engine, "measures")["id"])
    assert storage.read_table(engine, "photos").empty
    assert storage.read_photo(engine, result.photo_ids[0]) is None
    stored = storage.read_photo(engine, result.photo_ids[0], unpublished=True)
    assert b"SERIAL-12345" not in stored["data"]  # stored already stripped
    assert "review_state" not in storage.read_table(engine, "measures").columns

    outcome = submissions.review(
        engine, result.measure_id, "publish", role="coordinator", actor="coord"
    )
    assert outcome.ok
    assert result.measure_id in set(storage.read_table(engine, "measures")["id"])
    assert storage.read_photo(engine, result.photo_ids[0]) is not None
    assert storage.read_table(engine, "photos")["caption"].tolist() == ["Voor"]


def test_nothing_stored_when_a_photo_is_refused(engine):
    before = len(storage.read_table(engine, "measures", unpublished=True))
    result = _share(engine, uploads=[submissions.Upload(b"<html>", None)])
    assert not result.ok
    assert submissions.field_problems(result.report, "en") == [
        "Photos: file 1 is not a JPEG, PNG or WebP picture (judged by its content, not its "
        "name) or is damaged."
    ]
    assert len(storage.read_table(engine, "measures", unpublished=True)) == before
    assert storage.read_table(engine, "photos", unpublished=True).empty


def test_only_coordinators_review_and_members_share_for_their_own_town(engine):
    result = _share(engine)
    with pytest.raises(PermissionError):
        submissions.review(engine, result.measure_id, "publish", role="member", actor="anna")
    assert not submissions.may_share("member", None, HOME)
    assert not submissions.may_share("visitor", HOME, HOME)
    assert submissions.may_share("coordinator", None, "GM0363")


def test_member_edit_of_published_practice_stays_published_and_keeps_submitter(engine):
    measures = storage.read_table(engine, "measures")
    own = measures.iloc[0]
    code = str(own["municipality_code"])
    towns = storage.read_table(engine, "municipalities")
    values = {name: own.get(name) for name in submissions.FORM_FIELDS}
    values["lessons_learned"] = "Begin klein."
    values["lat"] = values["lon"] = None
    edit = {
        "municipality_code": code,
        "role": "member",
        "username": "anna",
        "municipalities": towns,
        "boundaries_gdf": None,
        "measure_id": int(own["id"]),
    }
    with pytest.raises(PermissionError):  # a member of another municipality
        submissions.share_practice(engine, values, account_municipality="GM0363", **edit)
    result = submissions.share_practice(engine, values, account_municipality=code, **edit)
    assert result.ok and result.state == "published", result.report.messages("en")
    row = submissions.all_practices(engine).set_index("id").loc[int(own["id"])]
    assert row["lessons_learned"] == "Begin klein." and row["review_state"] == "published"
    assert pd.isna(row["submitted_by"])  # the seed's practice: nobody submitted it
    assert int(own["id"]) in set(storage.read_table(engine, "measures")["id"])


def test_replace_import_keeps_submissions_in_review(engine, tmp_path):
    result = _share(engine)
    published = storage.read_table(engine, "measures")
    path = tmp_path / "measures.csv"
    published.to_csv(path, index=False)
    report = storage.import_file(engine, "measures", path, replace=True)
    assert report.ok, report.messages("en")
    every = submissions.all_practices(engine)
    assert every.set_index("id").at[result.measure_id, "review_state"] == "pending"


def test_cli_lists_publishes_and_rejects(engine, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", str(engine.url))
    first, second = _share(engine, "Eerste"), _share(engine, "Tweede")
    assert cli_main(["submissions", "list"]) == 0
    listed = capsys.readouterr().out
    assert "Eerste" in listed and "Tweede" in listed and "pending" in listed
    assert cli_main(["submissions", "publish", str(first.measure_id)]) == 0
    assert cli_main(["submissions", "reject", str(second.measure_id), "--reason", "x"]) == 2
    assert "5" in capsys.readouterr().err  # the message says how long a reason must be
    assert (
        cli_main(["submissions", "reject", str(second.measure_id), "--reason", "Geen maatregel."])
        == 0
    )
    assert cli_main(["submissions", "publish", "999999"]) == 2
    states = submissions.all_practices(engine).set_index("id")["review_state"]
    assert (states[first.measure_id], states[second.measure_id]) == ("published", "rejected")
    assert (
        submissions.all_practices(engine).set_index("id").at[second.measure_id, "review_message"]
        == "Geen maatregel."
    )
    capsys.readouterr()
    assert cli_main(["submissions", "list"]) == 0
    assert "Eerste" not in capsys.readouterr().out


def test_share_review_and_photo_bytes_on_sqlite_and_postgresql(db_url):
    """The whole path on both databases: ids from the database, BLOB/BYTEA round trip."""
    engine = storage.make_engine(db_url)
    storage.init_db(engine, ROOT / "data")
    try:
        first = _share(engine, "Eerste", uploads=[submissions.Upload(jpeg_with_gps(), "a")])
        second = _share(engine, "Tweede")
        assert first.ok and second.ok and second.measure_id > first.measure_id
        stored = storage.read_photo(engine, first.photo_ids[0], unpublished=True)
        assert Image.open(io.BytesIO(stored["data"])).size == (120, 80)
        assert first.measure_id not in set(storage.read_table(engine, "measures")["id"])
        assert submissions.review(
            engine, first.measure_id, "publish", role="coordinator", actor="c"
        ).ok
        assert submissions.review(
            engine, second.measure_id, "reject", role="coordinator", actor="c", message="Dubbel."
        ).ok
        published = set(storage.read_table(engine, "measures")["id"])
        assert first.measure_id in published and second.measure_id not in published
        assert storage.read_photo(engine, first.photo_ids[0])["data"] == stored["data"]
    finally:
        engine.dispose()


def test_remove_photo_only_by_who_may_edit(engine):
    result = _share(engine, uploads=[submissions.Upload(jpeg_with_gps(), None)] * 2)
    first, second = result.photo_ids
    with pytest.raises(PermissionError):
        submissions.remove_photo(
            engine, first, role="member", account_municipality="GM0363", username="bob"
        )
    assert submissions.remove_photo(
        engine, first, role="member", account_municipality=HOME, username="anna"
    )
    assert submissions.photos_of(engine, result.measure_id)["id"].tolist() == [second]
    assert not submissions.remove_photo(
        engine, first, role="coordinator", account_municipality=None, username="c"
    )


def test_coordinators_mailed_after_storing_and_a_dead_server_loses_nothing(engine, caplog):
    from cop.access import accounts
    from tests.smtp_support import free_port, smtp_server

    accounts.add_user(engine, "coco", "coordinator-pw-long", "coordinator", email="coco@example.nl")
    with smtp_server() as (inbox, server):
        env = {"COP_SMTP_URL": f"smtp://127.0.0.1:{server.port}?starttls=off"}
        result = submissions.share_practice(
            engine,
            {"title": "Gemailde geveltuin", "theme": "depaving", "status": "idea"},
            municipality_code=HOME,
            role="member",
            account_municipality=HOME,
            username="anna",
            municipalities=storage.read_table(engine, "municipalities"),
            boundaries_gdf=None,
            environ=env,
        )
        assert result.ok and result.notification is not None
        assert result.notification.wait(30)
    assert [m.rcpt_tos for m in inbox.messages] == [["coco@example.nl"]]
    assert "Gemailde geveltuin" in str(inbox.messages[0].message["Subject"])

    dead = {"COP_SMTP_URL": f"smtp://127.0.0.1:{free_port()}?starttls=off"}
    result = submissions.share_practice(
        engine,
        {"title": "Niet gemaild", "theme": "depaving", "status": "idea"},
        municipality_code=HOME,
        role="member",
        account_municipality=HOME,
        username="anna",
        municipalities=storage.read_table(engine, "municipalities"),
        boundaries_gdf=None,
        environ=dead,
    )
    assert result.ok and result.notification is not None
    assert not result.notification.wait(30)  # the mail failed ...
    every = submissions.all_practices(engine)
    assert "Niet gemaild" in set(every["title"])  # ... the submission is stored
