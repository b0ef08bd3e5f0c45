"""One module per CLI command. Each has `register(subparsers)`, which adds its parser and sets
`func`, the function that runs it; `flashprep.cli` lists the modules."""
