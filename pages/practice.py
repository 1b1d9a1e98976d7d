"""One practice: facts, story, photos, whom to ask, similar practices and toolbox resources.

Opened as ``?maatregel=ID`` (map popup, profile, peers, toolbox, brief). Only published
practices exist here: the page reads the published view like every other page.
"""

import streamlit as st

from cop import ui
from cop.community import practices, submissions
from cop.core import i18n
from cop.geo import webmap

PARAM = ui.PRACTICE_PARAM
CHOICE_KEY = "practice_choice"

ui.page_title("practice.title", "practice.intro")
measures = ui.table("measures")
names = ui.municipality_names()

raw = st.query_params.get(PARAM)
parsed = practices.parse_measure_id(raw)
if parsed.problem == "malformed":
    st.error(ui.tr("practice.malformed", value=ui.md(str(raw)[:40])), icon=":material/error:")
elif parsed.problem == "missing":
    st.info(ui.tr("practice.missing"), icon=":material/info:")
practice = (
    None if parsed.measure_id is None else practices.find_practice(measures, parsed.measure_id)
)
if parsed.measure_id is not None and practice is None:
    st.warning(ui.tr("practice.not_found", id=parsed.measure_id), icon=":material/search_off:")
if practice is None:
    titles = practices.choice_labels(measures, names)
    chosen = st.selectbox(
        ui.tr("practice.choose"),
        list(titles),
        index=None,
        key=CHOICE_KEY,
        format_func=titles.get,
        **ui.empty_prompt(single=True),
    )
    if chosen is None:
        st.stop()
    st.session_state.pop(CHOICE_KEY, None)
    ui.open_practice(chosen)

measure_id = int(practice["id"])
code = str(practice["municipality_code"])
town = names.get(code, code)
st.header(ui.md(practice["title"]))
ui.profile_link(code, ui.tr("practice.open_profile", name=town))

left, right = st.columns(2)
year = practice["start_year"]
size = webmap.scale_text(practice["scale_value"], practice["scale_unit"], ui.lang())
for column, label_key, value in (
    (left, "practice.theme", ui.vocab_label("theme")(practice["theme"])),
    (right, "practice.status", ui.vocab_label("status")(practice["status"])),
    (left, "practice.start_year", "–" if str(year) == "<NA>" else str(int(year))),
    (right, "practice.size", size or "–"),
):
    column.markdown(f"**{ui.tr(label_key)}:** {ui.md(value)}")

left, right = st.columns(2)
cost = practice["cost_eur"]
left.markdown(
    f"**{ui.tr('practice.cost')}:** "
    + (ui.tr("practice.unknown") if str(cost) == "<NA>" else "€ " + ui.num(float(cost)))
)
funding = practice["funding"]
right.markdown(
    f"**{ui.tr('practice.funding')}:** "
    + (ui.tr("practice.unknown") if str(funding) == "<NA>" else ui.md(funding))
)
st.caption(ui.tr("practice.updated", date=i18n.format_date(practice["updated_at"], ui.lang())))

for column, label_key in (
    ("description", "practice.description"),
    ("lessons_learned", "practice.lessons"),
    ("partners", "practice.partners"),
):
    value = practice[column]
    if str(value) == "<NA>" or not str(value).strip():
        continue
    st.header(ui.tr(label_key))
    for paragraph in str(value).splitlines():
        if paragraph.strip():
            st.markdown(ui.md(paragraph))
if str(practice["url"]) != "<NA>":
    st.link_button(ui.tr("practice.link"), str(practice["url"]), icon=":material/open_in_new:")

st.header(ui.tr("practice.photos"))
shown_photos = practices.practice_photos(ui.table("photos"), measure_id)
if shown_photos.empty:
    st.caption(ui.tr("practice.no_photos"))
photo_columns = st.columns(3)
for n, row in enumerate(shown_photos.itertuples()):
    picture = ui.photo(int(row.id))
    if picture is None:
        continue
    with photo_columns[n % 3]:
        st.image(picture["data"], width="stretch")
        if str(row.caption) != "<NA>":
            st.caption(ui.md(row.caption))

st.header(ui.tr("practice.contact"))
if ui.role() == "visitor":
    st.info(ui.tr("practice.contact_hidden"), icon=":material/lock:")
else:
    contacts = practices.responsible_contacts(ui.table("contacts"), practice)
    if contacts.empty:
        st.caption(ui.tr("practice.contact_none"))
    for contact in contacts.head(2).itertuples():
        parts = [
            str(v)
            for v in (contact.name, contact.role, contact.email, contact.phone)
            if str(v) != "<NA>"
        ]
        if str(contact.name) == "<NA>":
            st.caption(ui.tr("practice.contact_withheld"))
        else:
            st.markdown(" · ".join(ui.md(p) for p in parts))

st.header(ui.tr("practice.similar"))
st.caption(ui.tr("practice.similar_intro"))
similar = practices.similar_practices(measures, ui.table("municipalities"), measure_id)
if similar.empty:
    st.caption(ui.tr("practice.no_similar"))
for row in similar.itertuples():
    ui.practice_link(row.id, f"{row.title} ({row.name}, {ui.vocab_label('status')(row.status)})")

st.header(ui.tr("practice.resources"))
linked = practices.linked_resources(ui.table("resources"), ui.table("resource_usage"), measure_id)
if linked.empty:
    st.caption(ui.tr("practice.no_resources"))
else:
    ui.show_table(linked[["title", "kind", "level", "url"]], "resources", key="practice_resources")

if submissions.may_edit(ui.role(), ui.user_municipality(), ui.username(), practice.to_dict()):
    ui.share_link(measure_id)
