"""``python -m assessment.cli_entry``: the ``assessment`` command without the console script."""

from .cli import main

if __name__ == "__main__":
    main()
