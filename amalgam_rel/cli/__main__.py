"""``python -m amalgam_rel.cli``: the same commands as the ``amalgam-rel`` script."""

from amalgam_rel.cli.commands import main

main()
