"""Entry point of the PIM phase (run from `pim/` by an administrator, after the main stack's first deploy)."""

import sys
from pathlib import Path

# The phase reuses the main program's role model and settings helpers from the repository root.
REPOSITORY_ROOT = str(Path(__file__).resolve().parent.parent)
if REPOSITORY_ROOT not in sys.path:
    sys.path.insert(0, REPOSITORY_ROOT)

import pulumi  # noqa: E402

from pim.privileged import PrivilegedAccess, PrivilegedAccessArgs  # noqa: E402
from pim.settings import load_pim_settings  # noqa: E402

settings = load_pim_settings()
access = PrivilegedAccess(settings.instance, PrivilegedAccessArgs(settings))
for output_name, value in access.outputs.items():
    pulumi.export(output_name, value)
