"""Run every benchmark module (``bench_*.py``) in this folder: ``python -m benchmarks``."""

import importlib
import pkgutil
import sys
from pathlib import Path


def main() -> int:
    names = sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]))
    selected = [
        n for n in names if n.startswith("bench_") and (len(sys.argv) < 2 or n in sys.argv[1:])
    ]
    for name in selected:
        print(f"== {name}")
        importlib.import_module(f"benchmarks.{name}").main()
    if not selected:
        print("no benchmarks selected")
    return 0


if __name__ == "__main__":
    sys.exit(main())
