"""python -m nanogpt_lib.classroom: see `nanogpt_lib.classroom.cli`."""

import sys

from .cli import main

sys.exit(main())
