"""``python -m perfassess``: the same command line as the ``perfassess`` script."""

from perfassess.cli import main

main()
