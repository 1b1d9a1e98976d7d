"""Share a practice (members, coordinators), follow one's submissions, review them (coordinators).

Who may do what is decided in :mod:`cop.community.submissions` (the page only hides what
would be refused anyway). A submission is stored only when every field, the place and every
photo pass; otherwise each problem is listed by field and nothing is stored.
"""

import streamlit as st
from streamlit_folium import st_folium

from cop import ui
from cop.community import location, submissions
from cop.core import i18n, vocab
from cop.geo import webmap

FIELD = "share_f_"  # widget keys of the form: share_f_title, share_f_theme, ...
EDIT_KEY = "share_edit_id"  # the practice being edited (None: a new one)
LOADED_KEY = "share_loaded_id"  # the practice whose values the form holds
UPLOAD_ROUND = "share_upload_round"  # a new key empties the file uploader after a save
MAP_KEY = "share_map"
PROBLEMS_KEY = "share_problems"
TEXT_FIELDS = ("title", "funding", "partners", "description", "lessons_learned", "url")
NUMBER_FIELDS = ("start_year", "scale_value", "cost_eur", "lat", "lon")


def _empty(name: str) -> dict[str, object]:
    """``value=None`` for a new widget; nothing when the form was filled through its key."""
    return {} if FIELD + name in st.session_state else {"value": None}


ui.page_title("share.title", "share.intro")
role = ui.role()
if role == "visitor":
    st.info(ui.tr("share.sign_in"), icon=":material/lock:")
    st.stop()
ui.show_flash("share")
names = ui.municipality_names()
own_code = ui.user_municipality()
published = ui.table("measures")


def _clear_form() -> None:
    for name in submissions.FORM_FIELDS:
        st.session_state.pop(FIELD + name, None)
    st.session_state[EDIT_KEY] = None
    st.session_state[LOADED_KEY] = None
    st.session_state[UPLOAD_ROUND] = st.session_state.get(UPLOAD_ROUND, 0) + 1


def _start_edit(measure_id: int) -> None:
    st.session_state[EDIT_KEY] = int(measure_id)


raw_edit = st.query_params.get(ui.SHARE_EDIT_PARAM)
if raw_edit is not None:  # ?bewerk=ID from a practice page
    del st.query_params[ui.SHARE_EDIT_PARAM]
    if str(raw_edit).isdigit():
        st.session_state[EDIT_KEY] = int(raw_edit)

# --- the practice being edited, if any --------------------------------------------------------
every = ui.review_table("measures") if role == "coordinator" else None
mine = ui.own_submissions()
edit_id = st.session_state.get(EDIT_KEY)
editing = None
if edit_id is not None:
    pool = every if every is not None else mine
    found = pool[pool["id"] == edit_id]
    if found.empty:
        found = published[published["id"] == edit_id]
    row = None if found.empty else found.iloc[0].to_dict()
    if row is None or not submissions.may_edit(role, own_code, ui.username(), row):
        st.error(ui.tr("share.not_allowed"), icon=":material/block:")
        _clear_form()
    else:
        editing = row
if editing is not None and st.session_state.get(LOADED_KEY) != edit_id:
    for name in submissions.FORM_FIELDS:  # fill the form once with the stored values
        value = editing.get(name)
        empty = value is None or str(value) in ("<NA>", "nan")
        if name in NUMBER_FIELDS:
            value = None if empty else (int(value) if name == "start_year" else float(value))
        elif empty:
            value = None if name in ("scale_unit",) else ""
        st.session_state[FIELD + name] = value
    st.session_state[LOADED_KEY] = edit_id

# --- the municipality -----------------------------------------------------------------------
if editing is not None:
    code = str(editing["municipality_code"])
elif role == "coordinator":
    options = ui.by_name(names)
    share_index = ui.keep_choice("share_municipality", options, own_code)
    code = st.selectbox(
        ui.tr("share.municipality"),
        options,
        key="share_municipality",
        **share_index,
        format_func=lambda c: f"{names[c]} ({c})",
    )
else:
    code = own_code
if not code:
    st.warning(ui.tr("share.no_municipality"), icon=":material/person_off:")
    st.stop()

# --- the form ---------------------------------------------------------------------------------
if editing is not None:
    st.header(ui.tr("share.editing", id=edit_id, title=ui.md(editing["title"])))
    st.button(ui.tr("share.stop_editing"), key="share_stop_editing", on_click=_clear_form)
else:
    st.header(ui.tr("share.new") + " · " + ui.md(names.get(code, code)))

st.text_input(ui.tr("share.title_field"), key=FIELD + "title", max_chars=200)
left, middle, right = st.columns(3)
left.selectbox(
    ui.tr("share.theme_field"),
    vocab.THEMES,
    key=FIELD + "theme",
    format_func=ui.vocab_label("theme"),
)
middle.selectbox(
    ui.tr("share.status_field"),
    vocab.MEASURE_STATUSES,
    key=FIELD + "status",
    format_func=ui.vocab_label("status"),
)
right.number_input(
    ui.tr("share.start_year_field"),
    step=1,
    format="%d",
    key=FIELD + "start_year",
    **_empty("start_year"),
)
left, middle, right = st.columns(3)
left.number_input(
    ui.tr("share.scale_value_field"),
    min_value=0.0,
    key=FIELD + "scale_value",
    **_empty("scale_value"),
)
middle.selectbox(
    ui.tr("share.scale_unit_field"),
    [None, *vocab.SCALE_UNITS],
    key=FIELD + "scale_unit",
    format_func=ui.vocab_label("unit", others={None: "app.choose_one"}),
    **ui.empty_prompt(single=True),
)
right.number_input(
    ui.tr("share.cost_field"), min_value=0.0, key=FIELD + "cost_eur", **_empty("cost_eur")
)
st.text_input(ui.tr("share.funding_field"), key=FIELD + "funding", max_chars=500)
st.text_area(ui.tr("share.description_field"), key=FIELD + "description", max_chars=4000)
st.text_area(ui.tr("share.lessons_field"), key=FIELD + "lessons_learned", max_chars=4000)
st.text_input(ui.tr("share.partners_field"), key=FIELD + "partners", max_chars=4000)
st.text_input(ui.tr("share.url_field"), key=FIELD + "url")

st.markdown(f"**{ui.tr('share.place')}**")
st.caption(ui.tr("share.place_help"))


def _take_click() -> None:
    point = location.clicked_point(st.session_state.get(MAP_KEY))
    if point is not None:
        st.session_state[FIELD + "lat"], st.session_state[FIELD + "lon"] = point


left, right = st.columns(2)
left.number_input(
    ui.tr("share.lat_field"), format="%.6f", step=0.0001, key=FIELD + "lat", **_empty("lat")
)
right.number_input(
    ui.tr("share.lon_field"), format="%.6f", step=0.0001, key=FIELD + "lon", **_empty("lon")
)
lat, lon = st.session_state.get(FIELD + "lat"), st.session_state.get(FIELD + "lon")
point = (lat, lon) if lat is not None and lon is not None else None
facts = ui.table("municipalities").set_index("code")
center = (
    (float(facts.at[code, "lat"]), float(facts.at[code, "lon"]))
    if code in facts.index
    else webmap.NL_CENTER
)
picker = webmap.place_picker_map(
    webmap.outline(ui.web_boundaries()["geojson"], code), center, point
)
st_folium(
    picker,
    key=MAP_KEY,
    height=380,
    use_container_width=True,
    returned_objects=["last_clicked"],
    on_change=_take_click,
)
if point is not None:
    st.caption(ui.tr("share.picked", lat=f"{lat:.6f}", lon=f"{lon:.6f}"))


def _remove_photo(photo_id: int) -> None:
    submissions.remove_photo(
        ui.engine(), photo_id, role=role, account_municipality=own_code, username=str(ui.username())
    )


if editing is not None:  # the photos the practice has, each with a button to remove it
    shots = submissions.photos_of(ui.engine(), int(edit_id))
    columns = st.columns(4)
    for n, shot in enumerate(shots.itertuples()):
        picture = ui.photo(int(shot.id), unpublished=True)
        if picture is None:
            continue
        with columns[n % 4]:
            st.image(picture["data"], width="stretch")
            st.button(
                ui.tr("share.remove_photo"),
                key=f"share_remove_photo_{shot.id}",
                on_click=_remove_photo,
                args=(int(shot.id),),
                icon=":material/delete:",
            )

uploads = st.file_uploader(
    ui.tr("share.photos_field"),
    type=["jpg", "jpeg", "png", "webp"],
    accept_multiple_files=True,
    help=ui.tr("share.photos_help"),
    key=f"share_photos_{st.session_state.get(UPLOAD_ROUND, 0)}",
)
caption = st.text_input(ui.tr("share.caption_field"), key="share_caption", max_chars=200)

label = (
    "share.save"
    if role == "coordinator"
    or (editing and editing.get("review_state", "published") == "published")
    else "share.submit"
)
if st.button(ui.tr(label), key="share_submit", type="primary", icon=":material/send:"):
    values = {name: st.session_state.get(FIELD + name) for name in submissions.FORM_FIELDS}
    gdf = ui.boundaries()
    result = submissions.share_practice(
        ui.engine(),
        values,
        municipality_code=code,
        role=role,
        account_municipality=own_code,
        username=str(ui.username()),
        municipalities=ui.table("municipalities"),
        boundaries_gdf=gdf.gdf if getattr(gdf, "ok", False) else None,
        uploads=[submissions.Upload(f.getvalue(), caption) for f in uploads or []],
        measure_id=None if editing is None else int(edit_id),
    )
    if result.ok:
        _clear_form()
        key = "share.sent" if result.state == submissions.PENDING else "share.published_now"
        ui.flash("share", ui.tr(key, id=result.measure_id))
    st.error(ui.tr("share.problems"), icon=":material/error:")
    st.markdown(
        "\n".join(
            f"- {ui.md(line)}" for line in submissions.field_problems(result.report, ui.lang())
        )
    )

# --- my submissions ---------------------------------------------------------------------------
st.divider()
st.header(ui.tr("share.mine"))
if mine.empty:
    st.caption(ui.tr("share.mine_none"))
for row in mine.itertuples():
    state = str(row.review_state)
    with st.container(border=True):
        st.markdown(f"**#{row.id} {ui.md(row.title)}** · {ui.vocab_label('review')(state)}")
        if str(row.review_message) != "<NA>":
            st.warning(
                ui.tr("share.message_from", message=ui.md(row.review_message)),
                icon=":material/chat:",
            )
        if submissions.may_edit(role, own_code, ui.username(), row._asdict()):
            st.button(
                ui.tr("share.edit_this"),
                key=f"share_edit_{row.id}",
                on_click=_start_edit,
                args=(row.id,),
            )
        if state == submissions.PUBLISHED:
            ui.practice_link(row.id, row.title)

if role == "member" and own_code:
    own_published = published[published["municipality_code"] == own_code]
    if not own_published.empty:
        st.header(ui.tr("share.own_published"))
        st.caption(ui.tr("share.own_published_help"))
        titles = dict(
            zip(own_published["id"].astype(int), own_published["title"].astype(str), strict=True)
        )
        picked = st.selectbox(
            ui.tr("share.choose_practice"),
            list(titles),
            index=None,
            format_func=titles.get,
            key="share_pick_published",
            **ui.empty_prompt(single=True),
        )
        if picked is not None:
            st.button(
                ui.tr("share.edit_this"),
                key="share_edit_published",
                on_click=_start_edit,
                args=(picked,),
            )

# --- the review (coordinators) ------------------------------------------------------------------
if role == "coordinator" and every is not None:
    st.divider()
    st.header(ui.tr("share.queue"))
    st.caption(ui.tr("share.queue_intro"))
    queue = submissions.review_queue(every)
    if queue.empty:
        st.caption(ui.tr("share.queue_empty"))
    for row in queue.itertuples():
        heading = ui.tr(
            "share.queue_item",
            id=row.id,
            title=ui.md(row.title),
            name=ui.md(names.get(row.municipality_code, row.municipality_code)),
            by=ui.md(row.submitted_by),
            date=i18n.format_date(row.submitted_at, ui.lang()),
        )
        with st.expander(
            f"{heading} · {ui.vocab_label('review')(row.review_state)}", expanded=True
        ):
            st.markdown(
                f"{ui.vocab_label('theme')(row.theme)} · {ui.vocab_label('status')(row.status)}"
            )
            for text in (row.description, row.lessons_learned):
                if str(text) != "<NA>":
                    st.markdown(ui.md(text))
            if str(row.review_message) != "<NA>":
                st.caption(ui.tr("share.message_from", message=ui.md(row.review_message)))
            shots = submissions.photos_of(ui.engine(), int(row.id))
            if not shots.empty:
                st.caption(ui.tr("share.photo_count", n=len(shots)))
                cols = st.columns(4)
                for n, shot in enumerate(shots.itertuples()):
                    picture = ui.photo(int(shot.id), unpublished=True)
                    if picture is not None:
                        cols[n % 4].image(picture["data"], width="stretch")
            message = st.text_input(
                ui.tr("share.review_message"), key=f"share_msg_{row.id}", max_chars=2000
            )
            buttons = st.columns(3)
            for column, action, icon in zip(
                buttons,
                ("publish", "request_changes", "reject"),
                (":material/public:", ":material/edit_note:", ":material/block:"),
                strict=True,
            ):
                if column.button(
                    ui.tr(f"share.{action}"), key=f"share_{action}_{row.id}", icon=icon
                ):
                    outcome = submissions.review(
                        ui.engine(),
                        int(row.id),
                        action,
                        role=role,
                        actor=str(ui.username()),
                        message=message,
                    )
                    if outcome.ok:
                        ui.flash("share", ui.tr(outcome.key, **outcome.params))
                    st.error(ui.tr(outcome.key, **outcome.params))
