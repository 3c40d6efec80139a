import sys

from scc.cli import main

sys.exit(main())
