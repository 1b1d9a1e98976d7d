"""The CoP's tables: what they look like, how files become rows, and how rows are stored.

Owns: ``schema`` (the one declaration of every table), ``readers`` and ``validation`` (files
and forms to typed frames, with row/column reports), ``storage`` (engines and reads; it
re-exports the rest), ``migrations`` (the SQL tables and their numbered migrations),
``writes`` (the one write path) with ``transactions`` (its locks), ``bulk`` (its batched
statements) and ``changes`` (what a write changed, row by row), ``exports`` (safe CSV/Excel) with ``formulas`` (the
protective apostrophe that CSV exports add and imports remove), ``demo``,
``demo_content`` and ``demo_texts`` (the illustrative dataset: the generator, the invented
facts and names it draws from, and what it writes about each measure), ``presentation`` (codes and columns as a person reads them), ``filters`` (the Data
page's table filters) and ``summary`` (key figures of the stored data).

May use: ``cop.core``.
"""
