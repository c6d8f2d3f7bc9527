"""``python -m dahpkg`` runs the command line."""

from dahpkg.cli import main

main()
