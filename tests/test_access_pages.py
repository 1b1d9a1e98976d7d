"""Who sees what, proven on the rendered app: no page or download leaks a contact's e-mail.

Every page in ``pages/`` is rendered for a visitor, a member and a coordinator on the demo
data. The whole element tree (every proto, including the Arrow bytes of dataframes) is
searched for the contacts' e-mail addresses:

* visitor: none of them anywhere;
* member: only the addresses of contacts who consented (``show_to_members``);
* coordinator: everything, and the import/edit section on the Data page.

The CSV download is read back from the test runtime's media storage; the Excel download is
built only on click, so its bytes are checked through the same ``access`` -> ``exports``
path the button uses. The CLI ``export`` is an administrator's tool (it runs with database
credentials on the server) and deliberately exports everything.
"""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1 import app_test as app_test_module

from cop import ui
from cop.access import accounts, visibility
from cop.core import i18n
from cop.data import exports, presentation, storage
from tests.conftest import site_fixtures

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "pages").glob("*.py"))
ROLES = ("visitor", "member", "coordinator")
PASSWORD = "a long enough password"


class RecordingMediaStorage(MemoryMediaFileStorage):
    """Media storage that remembers itself, so a test can read a download's bytes."""

    last: RecordingMediaStorage | None = None

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        RecordingMediaStorage.last = self


def _demo_site(data_dir, monkeypatch) -> dict:
    """The demo database in ``data_dir`` with a member (of a partner) and a coordinator."""
    monkeypatch.setattr(app_test_module, "MemoryMediaFileStorage", RecordingMediaStorage)
    monkeypatch.setattr(accounts, "_HASHER", accounts.PasswordHasher(time_cost=1, memory_cost=1024))
    monkeypatch.delenv("COP_AUTH", raising=False)
    engine = storage.make_engine(f"sqlite:///{data_dir / 'cop.sqlite'}")
    contacts = storage.read_table(engine, "contacts")
    home = str(contacts["municipality_code"].iloc[0])
    accounts.add_user(engine, "member1", PASSWORD, "member", home)
    accounts.add_user(engine, "coordinator1", PASSWORD, "coordinator")
    shown = contacts["show_to_members"].fillna(False).astype(bool)
    emails = {
        "all": set(contacts["email"].dropna()),
        "consenting": set(contacts.loc[shown, "email"].dropna()),
        "private": set(contacts.loc[~shown, "email"].dropna()),
    }
    assert emails["consenting"] and emails["private"]
    return {"engine": engine, "emails": emails, "contacts": contacts, "home": home}


# ``demo``: a private database per test; ``shared_demo``: one for a module's read-only
# page sweeps, so the app's caches are filled once for all pages and roles.
demo, shared_demo = site_fixtures(_demo_site, "demo")


def open_page(page: str, role: str, demo: dict, *, lang: str | None = None) -> AppTest:
    """Run ``app.py`` on ``page`` as ``role`` (signed in the way the sign-in box does)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    if lang:
        at.session_state[ui.LANG_KEY] = lang
    if role != "visitor":
        user = accounts.get_user(demo["engine"], f"{role}1")
        at.session_state[ui.USER_KEY] = user.username
        at.session_state[ui.ROLE_KEY] = user.role
        at.session_state[ui.MUNICIPALITY_KEY] = user.municipality_code
        at.session_state[ui.SIGNED_IN_AT_KEY] = time.time()
    at.run()
    if page != "pages/home.py":
        at.switch_page(page).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def rendered_text(at: AppTest) -> str:
    """Everything the app sent to the browser: all protos (as text) and dataframe values."""
    parts: list[str] = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    parts += [frame.value.to_csv() for frame in at.dataframe]
    return "\n".join(parts)


def frame_with(at: AppTest, column: str):
    """The first dataframe with ``column`` (plain dataframes carry no key in the proto)."""
    return next(f.value for f in at.dataframe if column in f.value.columns)


def leaked(text: str, emails: set[str]) -> set[str]:
    return {email for email in emails if email in text}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", PAGES)
def test_no_page_shows_an_email_the_role_may_not_see(page, role, shared_demo):
    demo = shared_demo
    at = open_page(page, role, demo)
    text = rendered_text(at)
    assert text.strip()
    if role == "visitor":
        assert leaked(text, demo["emails"]["all"]) == set()
    elif role == "member":
        assert leaked(text, demo["emails"]["private"]) == set()
    if role != "visitor":  # the session stayed signed in while rendering
        assert at.session_state[ui.ROLE_KEY] == role


def contacts_on_data_page(role: str, demo: dict) -> AppTest:
    at = open_page("pages/data.py", role, demo)
    at.selectbox(key="data_table").select("contacts").run()
    assert not at.exception
    return at


def csv_download(at: AppTest) -> bytes:
    button = next(b for b in at.get("download_button") if b.proto.url.endswith(".csv"))
    media = RecordingMediaStorage.last
    assert media is not None
    return media.get_file(button.proto.url.rsplit("/", 1)[1]).content


def excel_bytes_as_the_button_builds_them(role: str, demo: dict) -> bytes:
    visible = visibility.visible_frame("contacts", demo["contacts"], role)
    return exports.to_excel_bytes(
        {"cop_contacts": presentation.labelled(visible, "contacts", "nl")}
    )


def excel_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        return "\n".join(
            book.read(n).decode("utf-8") for n in book.namelist() if n.endswith(".xml")
        )


def test_visitor_sees_no_contact_details_on_the_data_page_or_in_downloads(demo):
    at = contacts_on_data_page("visitor", demo)
    emails = demo["emails"]["all"]
    assert leaked(rendered_text(at), emails) == set()
    assert any("coördinator" in info.value for info in at.info)
    shown = at.dataframe[0].value
    assert shown["E-mail"].isna().all() and shown["Naam"].isna().all()
    assert shown["Telefoon"].isna().all()
    download = csv_download(at).decode("utf-8-sig")
    assert len(download.splitlines()) == len(demo["contacts"]) + 1
    assert leaked(download, emails) == set()
    assert (
        leaked(excel_text(excel_bytes_as_the_button_builds_them("visitor", demo)), emails) == set()
    )
    assert not at.get("file_uploader") and not at.data_editor


def test_member_sees_only_consenting_contacts_also_in_downloads(demo):
    at = contacts_on_data_page("member", demo)
    text = rendered_text(at)
    assert leaked(text, demo["emails"]["private"]) == set()
    assert leaked(text, demo["emails"]["consenting"]) == demo["emails"]["consenting"]
    download = csv_download(at).decode("utf-8-sig")
    assert leaked(download, demo["emails"]["private"]) == set()
    assert leaked(download, demo["emails"]["consenting"]) == demo["emails"]["consenting"]
    excel = excel_text(excel_bytes_as_the_button_builds_them("member", demo))
    assert leaked(excel, demo["emails"]["private"]) == set()
    assert not at.get("file_uploader") and not at.data_editor


def test_coordinator_sees_all_and_gets_the_import_and_edit_section(demo):
    at = contacts_on_data_page("coordinator", demo)
    text = rendered_text(at)
    assert leaked(text, demo["emails"]["all"]) == demo["emails"]["all"]
    assert (
        leaked(csv_download(at).decode("utf-8-sig"), demo["emails"]["all"])
        == (demo["emails"]["all"])
    )
    assert at.get("file_uploader") and at.data_editor
    # a bad file is reported by row and column and changes nothing
    header = "id,municipality_code,name,role,email,phone,themes,show_to_members\n"
    before = storage.data_version(demo["engine"])
    at.get("file_uploader")[0].upload(
        "extra.csv", (header + "999,GM0999,Lou,,x,,,ja\n").encode(), "text/csv"
    ).run()
    at.button(key="data_import").click().run()
    assert not at.exception
    assert at.error and "extra.csv" in at.error[0].value
    problems = frame_with(at, "problem")
    assert {"municipality_code", "email"} <= set(problems["column"])
    assert storage.data_version(demo["engine"]) == before
    # a good file is stored and reported
    at.get("file_uploader")[0].set_value(
        ("extra.csv", (header + "999,GM0344,Lou,,lou@x.example,,,ja\n").encode(), "text/csv")
    ).run()
    at.button(key="data_import").click().run()  # the preview first (issue 12), then confirm
    at.button(key="data_import_confirm").click().run()
    assert not at.exception
    assert at.success and "extra.csv" in at.success[0].value
    assert 999 in set(storage.read_table(demo["engine"], "contacts")["id"])


def test_sign_in_form_wrong_password_then_right_then_sign_out(demo):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state[ui.LANG_KEY] = "en"
    at.run()
    at.text_input(key="sign_in_username").input("member1")
    at.text_input(key="sign_in_password").input("wrong password!")
    at.button(key="sign_in_submit").click().run()
    assert [e.value for e in at.sidebar.error] == [i18n.t(accounts.FAILED, "en")]
    assert ui.ROLE_KEY not in at.session_state
    at.text_input(key="sign_in_username").input("MEMBER1")
    at.text_input(key="sign_in_password").input(PASSWORD)
    at.button(key="sign_in_submit").click().run()
    assert not at.exception
    assert at.session_state[ui.ROLE_KEY] == "member"
    assert at.session_state[ui.MUNICIPALITY_KEY] == demo["home"]
    assert any("Signed in as member1 (member)" in c.value for c in at.sidebar.caption)
    # the password is not kept in the session after the form is submitted
    assert "sign_in_password" not in at.session_state or (
        at.session_state["sign_in_password"] != PASSWORD
    )
    at.button(key="sign_out").click().run()
    assert ui.ROLE_KEY not in at.session_state and ui.USER_KEY not in at.session_state


def test_session_expires_and_removed_accounts_lose_their_rights(demo, monkeypatch):
    monkeypatch.setenv("COP_SESSION_MINUTES", "30")
    at = open_page("pages/data.py", "coordinator", demo)
    assert at.data_editor
    at.session_state[ui.SIGNED_IN_AT_KEY] = time.time() - 31 * 60
    at.run()
    assert ui.ROLE_KEY not in at.session_state and not at.data_editor
    assert at.sidebar.warning
    at = open_page("pages/data.py", "coordinator", demo)
    accounts.remove_user(demo["engine"], "coordinator1")
    at.run()
    assert ui.ROLE_KEY not in at.session_state and not at.data_editor


def test_a_role_without_a_signed_in_account_is_not_trusted(demo):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state[ui.ROLE_KEY] = "coordinator"
    at.run()
    at.switch_page("pages/data.py").run()
    at.selectbox(key="data_table").select("contacts").run()
    assert leaked(rendered_text(at), demo["emails"]["all"]) == set()
    assert not at.data_editor


def test_oidc_mode_maps_the_identity_providers_e_mail_to_a_role(demo, monkeypatch):
    monkeypatch.setenv("COP_AUTH", "oidc")
    monkeypatch.setenv("COP_OIDC_MEMBER_DOMAINS", "gemeente.example")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.user = {"is_logged_in": False}
    at.run()
    at.switch_page("pages/data.py").run()
    assert at.button(key="sign_in_oidc") and not at.get("form")
    at.selectbox(key="data_table").select("contacts").run()
    assert leaked(rendered_text(at), demo["emails"]["all"]) == set()
    at.user = {"is_logged_in": True, "email": "kim@gemeente.example"}
    at.run()
    assert not at.exception
    assert at.session_state[ui.ROLE_KEY] == "member"
    text = rendered_text(at)
    assert leaked(text, demo["emails"]["private"]) == set()
    assert leaked(text, demo["emails"]["consenting"])
    at.user = {"is_logged_in": True, "email": "someone@elsewhere.example"}
    at.run()
    assert at.session_state[ui.ROLE_KEY] == "visitor" and at.sidebar.info
    assert leaked(rendered_text(at), demo["emails"]["all"]) == set()


# ---------------------------------------------------------------- the Find peers page


def test_peers_page_for_a_visitor_finds_den_haag_and_hides_contacts(demo):
    at = open_page("pages/peers.py", "visitor", demo, lang="en")
    at.text_input(key="peers_search").input("Den Haag").run()
    assert at.selectbox(key="peers_municipality").value == "GM0518"
    at.multiselect(key="peers_themes").select("ecological_mowing").run()
    assert not at.exception
    ranked = frame_with(at, "Size class (%)")  # words and whole percentages (issue 14)
    assert len(ranked) == 10 and "'s-Gravenhage" not in set(ranked["Municipality"])
    assert ranked["Score (%)"].is_monotonic_decreasing
    assert ranked["Why"].str.contains("km away").all()
    assert any("ecological mowing" in r for r in ranked["Why"])
    assert any(s.value == "Municipalities that fit 's-Gravenhage" for s in at.header)
    contact_frames = [f.value for f in at.dataframe if "how_to_reach" in f.value.columns]
    assert contact_frames
    for frame in contact_frames:
        assert set(frame["how_to_reach"]) == {"Via the CoP coordinator"}
        assert "name" not in frame.columns
    assert any("Sign in as a member" in i.value for i in at.info)
    assert not at.get("form") or all("peers_post" not in str(f.proto) for f in at.get("form"))
    at.text_input(key="peers_search").input("Bosch").run()
    assert at.selectbox(key="peers_municipality").value == "GM0796"


def test_peers_page_member_sees_consenting_contacts_and_posts_a_question(demo):
    at = open_page("pages/peers.py", "member", demo, lang="en")
    home = demo["home"]
    assert at.selectbox(key="peers_municipality").value == home  # their own municipality
    assert at.expander  # help questions with suggested answerers
    question_tables = [f.value for f in at.dataframe if "candidate_name" in f.value.columns]
    assert question_tables and all(len(t) >= 1 for t in question_tables)
    before = len(storage.read_table(demo["engine"], "help_questions"))
    at.text_area(key="peers_post_text").input("Short?")
    at.button(key="peers_post_submit").click().run()
    assert at.error and len(storage.read_table(demo["engine"], "help_questions")) == before
    at.selectbox(key="peers_post_theme").select("depaving")
    at.text_area(key="peers_post_text").input("Hoe meten jullie het effect van tegelwippen?")
    at.button(key="peers_post_submit").click().run()
    assert not at.exception
    stored = storage.read_table(demo["engine"], "help_questions")
    assert len(stored) == before + 1
    new = stored.iloc[-1]
    assert (new["municipality_code"], new["theme"], new["status"]) == (home, "depaving", "open")
    assert at.success and str(int(new["id"])) in at.success[0].value
