"""``python -m assessment``: the ``assessment`` command without the console script."""

from assessment.cli.main import main

if __name__ == "__main__":
    main()
