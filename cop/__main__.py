"""Entry point of ``python -m cop``."""

import sys

from cop.cli import main

sys.exit(main())
