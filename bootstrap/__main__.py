"""Entry point of the delivery bootstrap (run from `bootstrap/`, once per environment, by a platform admin)."""

import sys
from pathlib import Path

# The bootstrap reuses the main program's catalogues and settings helpers from the repository root.
REPOSITORY_ROOT = str(Path(__file__).resolve().parent.parent)
if REPOSITORY_ROOT not in sys.path:
    sys.path.insert(0, REPOSITORY_ROOT)

import pulumi  # noqa: E402

from bootstrap.delivery import DeliveryFoundation, DeliveryFoundationArgs  # noqa: E402
from bootstrap.settings import load_bootstrap_settings  # noqa: E402

settings = load_bootstrap_settings()
foundation = DeliveryFoundation(settings.instance, DeliveryFoundationArgs(settings))
for output_name, value in foundation.outputs.items():
    pulumi.export(output_name, value)
