"""`python -m flashprep` runs the same CLI as the `flashprep` command."""

from flashprep.launch import main

raise SystemExit(main())
