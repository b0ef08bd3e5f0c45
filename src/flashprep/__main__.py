"""`python -m flashprep` runs the same CLI as the `flashprep` command."""

from flashprep.cli import main

raise SystemExit(main())
