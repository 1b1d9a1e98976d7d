"""Monitoring: species indices and trend classes (TRIM, as CBS computes them) per selection."""

from collections.abc import Callable

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from cop.monitoring import charts as monitoring_charts
from cop.core import i18n
from cop import ui
from cop import monitoring as mon
from cop.monitoring import msi
from cop.monitoring import presentation as mon_presentation

#: What the advanced panel starts with: TRIM's and the MSI tool's defaults.
ADVANCED_DEFAULTS = {
    "monitoring_model": 3,
    "monitoring_changepoint_mode": "none",
    "monitoring_changepoint_years": [],
    "monitoring_covariates": [],
    "monitoring_weights": "none",
    "monitoring_overdispersion": True,
    "monitoring_serial_correlation": True,
    "monitoring_n_sims": msi.DEFAULT_SIMS,
    "monitoring_seed": msi.DEFAULT_SEED,
}

CHANGEPOINT_MODES = ["none", "given", "all", "auto"]

ui.page_title("monitoring.title", "monitoring.intro")
st.info(ui.tr("monitoring.explain"), icon=":material/info:")
names = ui.municipality_names()
# labels fixed now: Streamlit may format options outside the script run (AppTest)
ALL_PARTNERS = ui.tr("monitoring.all_partners")
WHOLE_GROUP = ui.tr("monitoring.whole_group")
BASE_YEAR_AUTO = ui.tr("monitoring.base_year_auto")
LANG = ui.lang()


def choose(
    column: DeltaGenerator,
    label_key: str,
    options: list,
    key: str,
    format_func: Callable[[object], str] = str,
    default: object = None,
) -> object:
    """A selectbox whose remembered value falls back to a valid option when data change."""
    index = ui.keep_choice(key, options, preferred=default)
    return column.selectbox(ui.tr(label_key), options, key=key, format_func=format_func, **index)


def keep_valid(key: str, options: list) -> None:
    """A multiselect keeps only remembered values that are still options."""
    st.session_state[key] = [v for v in st.session_state.get(key, []) if v in options]


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
    lambda c: ALL_PARTNERS if c == mon.ALL else names.get(c, c),
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
    lambda c: WHOLE_GROUP if c == mon.ALL else c,
)
base_choice = choose(
    cols[4],
    "monitoring.base_year",
    [0, *opts["years"]],
    "monitoring_base_year",
    lambda y: BASE_YEAR_AUTO if y == 0 else str(y),
)
base_year = base_choice or None

# --- advanced: the model and its options, for analysts ------------------------------------
for key, value in ADVANCED_DEFAULTS.items():
    if key not in st.session_state:
        st.session_state[key] = value
model_options = ui.compute(
    mon.model_options, "monitoring", municipality=municipality, scheme=scheme, species_group=group
)
with st.expander(ui.tr("monitoring.advanced"), icon=":material/tune:"):
    st.caption(ui.tr("monitoring.advanced_intro"))
    left, middle, right = st.columns(3)
    model = left.radio(
        ui.tr("monitoring.model"),
        [3, 2, 1],
        key="monitoring_model",
        format_func=ui.option_label("monitoring.model_{}"),
        help=ui.tr("monitoring.model_help"),
    )
    changepoint_mode = left.selectbox(
        ui.tr("monitoring.changepoints"),
        CHANGEPOINT_MODES,
        key="monitoring_changepoint_mode",
        format_func=ui.option_label("monitoring.changepoints_{}"),
        disabled=model != 2,
        help=ui.tr("monitoring.changepoints_help"),
    )
    keep_valid("monitoring_changepoint_years", opts["years"][1:-1])
    changepoint_years = left.multiselect(
        ui.tr("monitoring.changepoint_years"),
        opts["years"][1:-1],
        key="monitoring_changepoint_years",
        disabled=model != 2 or changepoint_mode != "given",
        **ui.empty_prompt(),
    )
    keep_valid("monitoring_covariates", model_options["covariates"])
    covariates = middle.multiselect(
        ui.tr("monitoring.covariates"),
        model_options["covariates"],
        key="monitoring_covariates",
        format_func=lambda column: mon.covariate_label(column, LANG),
        disabled=model == 1 or not model_options["covariates"],
        help=ui.tr("monitoring.covariates_help"),
        **ui.empty_prompt(),
    )
    if not model_options["covariates"]:
        middle.caption(ui.tr("monitoring.covariates_none"))
    weights_index = ui.keep_choice("monitoring_weights", ["none", *model_options["weights"]])
    weights = middle.selectbox(
        ui.tr("monitoring.weights"),
        ["none", *model_options["weights"]],
        key="monitoring_weights",
        format_func=ui.option_label("monitoring.weights_{}"),
        help=ui.tr("monitoring.weights_help"),
        **weights_index,
    )
    overdispersion = right.toggle(
        ui.tr("monitoring.overdispersion"),
        key="monitoring_overdispersion",
        help=ui.tr("monitoring.overdispersion_help"),
    )
    serial_correlation = right.toggle(
        ui.tr("monitoring.serial_correlation"),
        key="monitoring_serial_correlation",
        help=ui.tr("monitoring.serial_correlation_help"),
    )
    n_sims = right.number_input(
        ui.tr("monitoring.n_sims"),
        min_value=100,
        max_value=10_000,
        step=100,
        key="monitoring_n_sims",
        help=ui.tr("monitoring.n_sims_help"),
    )
    seed = right.number_input(
        ui.tr("monitoring.seed"),
        min_value=0,
        step=1,
        key="monitoring_seed",
        help=ui.tr("monitoring.seed_help"),
    )

result = ui.compute(
    mon.selection_trends,
    "monitoring",
    municipality=municipality,
    scheme=scheme,
    species_group=group,
    species=species,
    base_year=base_year,
    overdispersion=overdispersion,
    serial_correlation=serial_correlation,
    model=model,
    changepoints=mon.changepoint_choice(model, changepoint_mode, changepoint_years),
    covariates=covariates if model != 1 else [],
    weights=None if weights == "none" else weights,
    n_sims=int(n_sims),
    seed=int(seed),
)

# --- index and trend classes: the whole period and the last ten years ---------------------
base_param = result.reason_params.get("base_year")
if result.reason is not None:
    st.markdown(f"**{ui.tr('monitoring.no_index')}:**")
    text, colour, icon = mon.trend_badge(result.trend, ui.lang(), base_param)
    st.badge(text, color=colour, icon=icon)
    st.warning(ui.md(mon.reason_text(result.reason, ui.lang(), base_param)), icon=":material/info:")
else:
    trend = result.trend
    periods = mon.intervals_by_period(result.intervals)
    for column, period in zip(st.columns(2), mon.PERIODS, strict=True):
        first, last = periods.get(period, (None, None))
        column.markdown(f"**{mon.period_label(period, ui.lang(), first, last)}:**")
        text, colour, icon = mon.trend_badge(trend, ui.lang(), base_param, period)
        column.badge(text, color=colour, icon=icon)
    if mon.recent_is_whole_series(result.intervals):
        st.caption(ui.tr("monitoring.recent_same"))
    ui.chart(
        monitoring_charts.index_chart(
            result.series,
            result.base_year,
            ui.lang(),
            slopes=result.intervals,
        ),
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
                n=trend.get("n_species_estimated", 0),
                base_year=result.base_year,
                n_sims=ui.num(int(n_sims)),
                first_year=periods.get("long_term", (result.base_year, None))[0],
            )
        )
    if len(result.excluded):
        st.caption(ui.md(mon.excluded_text(result.excluded, ui.lang())))
    gaps = mon.year_gap_lines(result.series, ui.lang())
    if gaps:
        with st.expander(ui.tr("monitoring.year_gaps"), icon=":material/event_busy:"):
            st.markdown("\n".join(f"- {ui.md(line)}" for line in gaps))
    st.header(ui.tr("monitoring.intervals"))
    intervals = mon.intervals_table(result.intervals, ui.lang())
    ui.show_table(intervals, None, key="monitoring_intervals")
    st.caption(ui.tr("monitoring.intervals_help"))
    ui.download_buttons(intervals, "cop_monitoring_intervals", key="monitoring_intervals_download")

# --- trend classes of all species in the selection -----------------------------------------
st.header(ui.tr("monitoring.species_table"))
table = mon.species_table(result.species, ui.lang(), result.species_intervals)
ui.show_table(table, None, key="monitoring_species_table")
st.caption(ui.tr("monitoring.species_table_help"))
ui.download_buttons(table, "cop_monitoring_trends", key="monitoring_download")

# --- counts per site and coverage ----------------------------------------------------------
left, right = st.columns([3, 2])
with left:
    st.header(ui.tr("monitoring.heatmap"))
    if not result.matrix.empty:
        ui.chart(
            monitoring_charts.count_heatmap(
                result.matrix,
                ui.lang(),
                mon_presentation.site_labels(result.matrix.index, names, ui.lang()),
            ),
            key="monitoring_heatmap",
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
    st.header(ui.tr("monitoring.coverage"))
    metrics = st.columns(3)
    metrics[0].metric(ui.tr("monitoring.sites"), ui.num(result.n_sites))
    metrics[1].metric(ui.tr("monitoring.years"), ui.num(result.n_years))
    metrics[2].metric(
        ui.tr("monitoring.share_counted"),
        i18n.format_percent(result.share_counted, 0, ui.lang()),
        help=ui.tr("monitoring.share_counted_help"),
    )
    if len(result.coverage):
        ui.chart(
            monitoring_charts.coverage_chart(result.coverage, ui.lang()),
            key="monitoring_coverage_chart",
        )
