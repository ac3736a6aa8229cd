#!/usr/bin/env python3
"""Build the exercise guide: `python build.py --help`."""

import sys

from exguide.cli import main

if __name__ == "__main__":
    sys.exit(main())
