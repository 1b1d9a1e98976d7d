"""Entry point of ``python -m cop``."""

import sys

from cop.cli.main import main

sys.exit(main())
