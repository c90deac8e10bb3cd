"""Kursk Atlas entry point: hands the command line to atlas.launcher."""

import sys

from atlas.launcher import main

if __name__ == "__main__":
    sys.exit(main())
