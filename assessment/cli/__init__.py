"""The command line: thin click commands over the write layer and the reports."""
