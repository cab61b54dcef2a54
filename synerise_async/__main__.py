"""``python -m synerise_async``: the ``synerise-async`` command (see :mod:`synerise_async.cli`)."""

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
