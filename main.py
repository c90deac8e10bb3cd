"""Kursk Atlas entry point: hands the command line to atlas.cli."""

import sys

from atlas.cli import main

if __name__ == "__main__":
    sys.exit(main())
