"""Privacy of the review: a pending submission and an unpublished photo reach no visitor.

A member shares a practice with a photo; it waits for review. Every page is rendered for a
visitor and for a member of another municipality, and everything the app sent (all
protos, dataframe values, the map's script) and every file it offered (downloads, images in
the media storage) is searched for the practice's title, its description and the photo's
bytes. The brief and the CLI export are searched too. Then a coordinator publishes it and
the same searches must find it: the test can fail, it does not pass on an empty page.
"""

from __future__ import annotations

import datetime as dt
import io
import time
from pathlib import Path

import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1 import app_test as app_test_module

from cop import ui
from cop.access import accounts
from cop.cli.main import main as cli_main
from cop.community import submissions
from cop.data import storage
from tests.conftest import site_fixtures
from tests.test_access_pages import PAGES, RecordingMediaStorage, rendered_text

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "a long enough password"
HOME = "GM0344"
TITLE = "Geheime geveltuin Zuilen"
STORY = "Onderzoek naar vleermuizen in de kerktoren"


def picture() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (50, 40), (200, 20, 120)).save(buffer, "PNG")
    return buffer.getvalue()


def _pending_site(app_env, monkeypatch) -> dict:
    """The demo data with a pending submission (story and photo) of member1's town."""
    monkeypatch.setattr(app_test_module, "MemoryMediaFileStorage", RecordingMediaStorage)
    monkeypatch.setattr(accounts, "_HASHER", accounts.PasswordHasher(time_cost=1, memory_cost=1024))
    monkeypatch.delenv("COP_AUTH", raising=False)
    engine = storage.make_engine(f"sqlite:///{app_env / 'cop.sqlite'}")
    towns = storage.read_table(engine, "municipalities")
    other = str(towns.loc[towns["code"] != HOME, "code"].iloc[0])
    accounts.add_user(engine, "member1", PASSWORD, "member", HOME)
    accounts.add_user(engine, "member2", PASSWORD, "member", other)
    accounts.add_user(engine, "coordinator1", PASSWORD, "coordinator")
    home = towns.set_index("code").loc[HOME]
    result = submissions.share_practice(
        engine,
        {
            "title": TITLE,
            "theme": "depaving",
            "status": "realised",
            "start_year": 2025,
            "description": STORY,
            "lat": float(home["lat"]),
            "lon": float(home["lon"]),
        },
        municipality_code=HOME,
        role="member",
        account_municipality=HOME,
        username="member1",
        municipalities=towns,
        boundaries_gdf=None,
        uploads=[submissions.Upload(picture(), "Voor en na")],
    )
    assert result.ok and result.state == "pending"
    photo = storage.read_photo(engine, result.photo_ids[0], unpublished=True)
    return {
        "engine": engine,
        "id": result.measure_id,
        "photo": photo["data"],
        "app_env": app_env,
    }


# ``shared_pending``: one database for the page sweeps, which only read.
pending, shared_pending = site_fixtures(_pending_site, "pending")


def render(page: str, username: str | None, engine, query: dict[str, str]) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    if username:
        user = accounts.get_user(engine, username)
        at.session_state[ui.USER_KEY] = user.username
        at.session_state[ui.ROLE_KEY] = user.role
        at.session_state[ui.MUNICIPALITY_KEY] = user.municipality_code
        at.session_state[ui.SIGNED_IN_AT_KEY] = time.time()
    at.run()
    at.switch_page(page)
    for name, value in query.items():
        at.query_params[name] = value
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def media_files() -> list[bytes]:
    """Every file the app offered (downloads, images) in the last test runtime."""
    media = RecordingMediaStorage.last
    return [] if media is None else [f.content for f in media._files_by_id.values()]


def is_the_photo(content: bytes, photo: bytes) -> bool:
    """The photo as stored, or as Streamlit re-encoded it for the browser (same size)."""
    if content == photo:
        return True
    try:
        shown = Image.open(io.BytesIO(content))
    except OSError:
        return False
    return shown.size == Image.open(io.BytesIO(photo)).size


def leaks(at: AppTest, photo: bytes) -> list[str]:
    found = []
    text = rendered_text(at)
    found += [secret for secret in (TITLE, STORY) if secret in text]
    for content in media_files():
        if is_the_photo(content, photo):
            found.append("the photo")
        if TITLE.encode() in content or STORY.encode() in content:
            found.append("a download")
    return found


def _query(measure_id: int) -> dict[str, str]:
    return {"gemeente": HOME, "maatregel": str(measure_id)}


@pytest.mark.parametrize("page", PAGES)
def test_pending_submission_reaches_no_visitor_on_any_page(shared_pending, page):
    pending = shared_pending
    at = render(page, None, pending["engine"], _query(pending["id"]))
    assert leaks(at, pending["photo"]) == []


@pytest.mark.parametrize(
    "page",
    [
        "pages/home.py",
        "pages/map.py",
        "pages/profile.py",
        "pages/practice.py",
        "pages/share.py",
        "pages/data.py",
        "pages/peers.py",
    ],
)
def test_pending_submission_reaches_no_other_member(shared_pending, page):
    pending = shared_pending
    at = render(page, "member2", pending["engine"], _query(pending["id"]))
    assert leaks(at, pending["photo"]) == []


def _brief(tmp_path: Path, name: str) -> str:
    out = tmp_path / name
    code = cli_main(
        [
            "brief",
            "--date",
            dt.date.today().isoformat(),
            "--themes",
            "depaving",
            "--no-charts",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    return out.read_text(encoding="utf-8")


def _export(tmp_path: Path, name: str, *extra: str) -> str:
    out = tmp_path / name
    assert cli_main(["export", "--out", str(out), *extra]) == 0
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(out.glob("*.csv")))


def test_pending_submission_not_in_brief_or_export_until_published(pending, tmp_path, monkeypatch):
    import base64

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{pending['app_env'] / 'cop.sqlite'}")
    photo_text = base64.b64encode(pending["photo"]).decode("ascii")
    brief = _brief(tmp_path, "before.md")
    exported = _export(tmp_path, "before")
    assert TITLE not in brief and STORY not in brief
    assert TITLE not in exported and photo_text not in exported
    backup = _export(tmp_path, "backup", "--include-unpublished")
    assert TITLE in backup and photo_text in backup  # the coordinator's full backup

    # The coordinator publishes: now the same searches find it (the test can fail).
    assert submissions.review(
        pending["engine"], pending["id"], "publish", role="coordinator", actor="c"
    ).ok
    assert TITLE in _brief(tmp_path, "after.md")
    after = _export(tmp_path, "after")
    assert TITLE in after and photo_text in after
    at = render("pages/practice.py", None, pending["engine"], _query(pending["id"]))
    assert leaks(at, pending["photo"]) != []
    assert "the photo" in leaks(at, pending["photo"])  # the photo is now shown
    at = render("pages/map.py", None, pending["engine"], {})
    assert TITLE in rendered_text(at)


def test_coordinator_sees_the_queue(pending):
    at = render("pages/share.py", "coordinator1", pending["engine"], {})
    assert TITLE in rendered_text(at)
    assert any(is_the_photo(content, pending["photo"]) for content in media_files())
    own = render("pages/share.py", "member1", pending["engine"], {})
    assert TITLE in rendered_text(own)
