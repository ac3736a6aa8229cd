#!/usr/bin/env python3
"""Build the exercise guide: `python build.py --help`."""

import gc
import sys

from exguide.cli import main

if __name__ == "__main__":
    status = main()
    gc.freeze()  # the process ends: its collector need not walk every object of a big guide once more
    sys.exit(status)
