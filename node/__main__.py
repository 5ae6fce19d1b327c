"""`python -m node` is the `commonroom` command."""

from node.cli import main

raise SystemExit(main())
