"""`python -m photoai` runs the command line (no arguments opens the editor)."""

import sys

from photoai.cli import main

sys.exit(main())
