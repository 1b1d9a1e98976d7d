"""The parts of the TRIM engine; :mod:`cop.monitoring.trim` is its only door.

Code outside ``cop.monitoring`` imports the engine from ``cop.monitoring.trim`` (``fit_trim``,
``fit_trim_batch``, ``trends_by``, the result types, reasons and trend classes); the modules
here are its parts, one job each, in the order a fit runs through them:

``inputs``
    A long site × year table to checked, stacked ``(K, I, J)`` arrays (K fits, I sites,
    J years). New input columns (site weights, covariates) are read and checked here.
``structure``
    Per fit: which sites and years take part, why the others do not (reason codes) and
    the links between a site's successive observed years (for the AR(1) precision).
``gee``
    The estimation: maximum-likelihood iterations, then GEE with overdispersion and
    serial correlation (Fisher scoring through the Schur complement of the site block).
    A model other than model 3 (model 2's linear trend with changepoints, covariate
    effects) changes the year-effect design of the scoring step here.
``variance``
    From converged estimates to what TRIM reports: time totals and their covariance,
    indices, the overall slope, goodness of fit. Changepoint slopes and their Wald tests
    (model 2, stepwise selection) are further summaries of the same covariance.
``batch``
    Buckets thousands of fits by size, runs each stack (in worker processes if asked),
    refits without serial correlation where the GEE did not converge, and undoes the
    bucketing.
``classes`` and ``results``
    TRIM's trend classes, the stable reason codes, the errors and result types.

May use: numpy, pandas and the standard library; nothing else in ``cop``.
"""
