"""``python -m tt_connect.cli``: the same as the ``tt-connect`` command."""

from tt_connect.cli import main

raise SystemExit(main())
