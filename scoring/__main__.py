"""``python -m scoring`` runs the zaro command line."""

from scoring.cli import main

main(prog_name="zaro")
