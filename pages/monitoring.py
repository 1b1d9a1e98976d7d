"""Monitoring: species indices and trend classes (TRIM, as CBS computes them) per selection."""

from collections.abc import Callable

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from cop.monitoring import charts as monitoring_charts
from cop.core import i18n
from cop import ui
from cop import monitoring as mon

ui.page_title("monitoring.title", "monitoring.intro")
st.info(ui.tr("monitoring.explain"), icon=":material/info:")
names = ui.municipality_names()


def choose(
    column: DeltaGenerator,
    label_key: str,
    options: list,
    key: str,
    format_func: Callable[[object], str] = str,
    default: object = None,
) -> object:
    """A selectbox whose remembered value falls back to a valid option when data change."""
    ui.keep_choice(key, options, preferred=default)
    return column.selectbox(ui.tr(label_key), options, key=key, format_func=format_func)


top = ui.compute(mon.selection_options, "monitoring")
if not top["municipalities"]:
    st.info(ui.tr("monitoring.no_monitoring"))
    st.stop()

cols = st.columns([3, 2, 2, 3, 2])
municipality = choose(
    cols[0],
    "monitoring.municipality",
    [mon.ALL, *ui.by_name(top["municipalities"])],
    "monitoring_municipality",
    lambda c: ui.tr("monitoring.all_partners") if c == mon.ALL else names.get(c, c),
    default=ui.user_municipality(),
)
opts = ui.compute(mon.selection_options, "monitoring", municipality=municipality)
scheme = choose(
    cols[1],
    "monitoring.scheme",
    [mon.ALL, *opts["schemes"]],
    "monitoring_scheme",
    ui.vocab_label("scheme", others={mon.ALL: "monitoring.all_schemes"}),
)
opts = ui.compute(mon.selection_options, "monitoring", municipality=municipality, scheme=scheme)
group = choose(
    cols[2],
    "monitoring.species_group",
    opts["species_groups"],
    "monitoring_group",
    ui.vocab_label("group"),
)
opts = ui.compute(
    mon.selection_options,
    "monitoring",
    municipality=municipality,
    scheme=scheme,
    species_group=group,
)
species = choose(
    cols[3],
    "monitoring.species",
    [mon.ALL, *opts["species"]],
    "monitoring_species",
    lambda c: ui.tr("monitoring.whole_group") if c == mon.ALL else c,
)
base_choice = choose(
    cols[4],
    "monitoring.base_year",
    [0, *opts["years"]],
    "monitoring_base_year",
    lambda y: ui.tr("monitoring.base_year_auto") if y == 0 else str(y),
)
base_year = base_choice or None

result = ui.compute(
    mon.selection_trends,
    "monitoring",
    municipality=municipality,
    scheme=scheme,
    species_group=group,
    species=species,
    base_year=base_year,
)

# --- index and trend class -----------------------------------------------------------------
text, colour, icon = mon.trend_badge(result.trend, ui.lang(), result.reason_params.get("base_year"))
label = ui.tr("monitoring.trend_label") if result.reason is None else ui.tr("monitoring.no_index")
st.markdown(f"**{label}:**")
st.badge(text, color=colour, icon=icon)
if result.reason is not None:
    st.warning(
        ui.md(mon.reason_text(result.reason, ui.lang(), result.reason_params.get("base_year"))),
        icon=":material/info:",
    )
else:
    st.plotly_chart(
        monitoring_charts.index_chart(result.series, result.base_year, ui.lang()),
        key="monitoring_index_chart",
    )
    if result.kind == "species":
        st.caption(
            ui.tr("monitoring.species_caption", species=ui.md(species), base_year=result.base_year)
        )
    else:
        st.caption(
            ui.tr(
                "monitoring.indicator_caption",
                n=result.trend.get("n_species_estimated", 0),
                base_year=result.base_year,
            )
        )
    if len(result.excluded):
        excluded = ", ".join(result.excluded["species"])
        st.caption(ui.tr("monitoring.excluded", species=ui.md(excluded)))
    gaps = mon.year_gap_lines(result.series, ui.lang())
    if gaps:
        with st.expander(ui.tr("monitoring.year_gaps"), icon=":material/event_busy:"):
            st.markdown("\n".join(f"- {ui.md(line)}" for line in gaps))

# --- trend classes of all species in the selection -----------------------------------------
st.subheader(ui.tr("monitoring.species_table"))
table = mon.species_table(result.species, ui.lang())
ui.show_table(table, None, key="monitoring_species_table")
st.caption(ui.tr("monitoring.species_table_help"))
ui.download_buttons(table, "cop_monitoring_trends", key="monitoring_download")

# --- counts per site and coverage ----------------------------------------------------------
left, right = st.columns([3, 2])
with left:
    st.subheader(ui.tr("monitoring.heatmap"))
    if not result.matrix.empty:
        st.plotly_chart(
            monitoring_charts.count_heatmap(result.matrix, ui.lang()), key="monitoring_heatmap"
        )
        if result.matrix_sites_total > len(result.matrix):
            st.caption(
                ui.tr(
                    "monitoring.heatmap_cut",
                    shown=ui.num(len(result.matrix)),
                    total=ui.num(result.matrix_sites_total),
                )
            )
    st.caption(ui.tr("monitoring.heatmap_help"))
with right:
    st.subheader(ui.tr("monitoring.coverage"))
    metrics = st.columns(3)
    metrics[0].metric(ui.tr("monitoring.sites"), ui.num(result.n_sites))
    metrics[1].metric(ui.tr("monitoring.years"), ui.num(result.n_years))
    metrics[2].metric(
        ui.tr("monitoring.share_counted"),
        i18n.format_percent(result.share_counted, 0, ui.lang()),
        help=ui.tr("monitoring.share_counted_help"),
    )
    if len(result.coverage):
        st.plotly_chart(
            monitoring_charts.coverage_chart(result.coverage, ui.lang()),
            key="monitoring_coverage_chart",
        )
