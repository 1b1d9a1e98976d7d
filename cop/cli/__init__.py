"""``python -m cop``: one argparse tree for every command.

May use: every package except ``cop.ui``; nothing imports it but ``cop.__main__``.
"""
