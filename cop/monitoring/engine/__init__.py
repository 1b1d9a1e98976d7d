"""The parts of the TRIM engine; :mod:`cop.monitoring.trim` is its only door.

Code outside ``cop.monitoring`` imports the engine from ``cop.monitoring.trim`` (``fit_trim``,
``fit_trim_batch``, ``trends_by``, the result types, reasons and trend classes); the modules
here are its parts, one job each, in the order a fit runs through them:

``inputs``
    A long site × year table to checked, stacked ``(K, I, J)`` arrays (K fits, I sites,
    J years), and the per-site covariate classes and weights.
``design``
    The model: :class:`~cop.monitoring.engine.design.ModelSpec` (model 1, 2 or 3,
    changepoints, stepwise, covariates, weights) and its design matrices ``B_g`` per
    covariate group (none for model 3 without covariates, the fast path).
``structure``
    Per fit: which sites, years and parameters take part, why the others do not (reason
    codes) and the links between a site's successive observed years (AR(1) precision).
``gee``
    The estimation: maximum-likelihood iterations, then GEE with overdispersion and
    serial correlation (Fisher scoring through the Schur complement of the site block).
``variance``
    From converged estimates to what TRIM reports: time totals and their covariance
    (weighted), indices, the overall slope (also of an interval), goodness of fit.
``batch``
    Buckets thousands of fits by size, runs each stack (in worker processes if asked),
    refits without serial correlation where the GEE did not converge, and undoes the
    bucketing.
``wald``, ``parameters``, ``stepwise``
    TRIM's Wald tests and the score test; the parameter tables (interval slopes, year
    effects, linear trend and deviations, slope through the base year); the stepwise
    selection of changepoints.
``single`` and ``report``
    One series with everything TRIM prints for it (stepwise selection included), turned
    into a :class:`~cop.monitoring.engine.results.TrimResult`.
``classes`` and ``results``
    TRIM's trend classes, the stable reason codes, the errors and result types.

May use: numpy, pandas, scipy (χ² tail) and the standard library; nothing else in ``cop``.
"""
