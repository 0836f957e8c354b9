"""The `motcua` console command: manage.py under the product's name.

Sub-commands may be written with dashes (`motcua issue-token`); Django's
command modules use underscores.
"""

from __future__ import annotations

import os
import signal
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv)
    argv[0] = "motcua"
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    try:
        execute_from_command_line(argv)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (`motcua demo-users | head`): stop quietly, as a Unix tool does.
        # Python's recipe (docs, "Note on SIGPIPE"), not SIGPIPE's default action, which would also
        # kill a server whose client hangs up. stdout goes to /dev/null so the flush at exit cannot fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(128 + signal.SIGPIPE)  # what a shell reports for a command ended by SIGPIPE


if __name__ == "__main__":
    main()
