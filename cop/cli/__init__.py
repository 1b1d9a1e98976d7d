"""``python -m cop``: one argparse tree for every command.

Owns: ``main`` (the tree, global options, the list of command modules), ``common`` (exit
codes and the global options every command gets), and one module per group of commands:
``tables`` (init, validate, import, export), ``demo``, ``trend``, ``brief``, ``user``. A new
command is one module with ``register(subparsers)``; see :mod:`cop.cli.main` for the steps.

May use: every package except ``cop.ui``; nothing imports it but ``cop.__main__``.
"""
