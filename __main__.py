"""Entry point: validate the stack's configuration, build its environment, export what callers need."""

import pulumi

from components.environment import FoundryEnvironment, FoundryEnvironmentArgs
from components.settings import load_settings

settings = load_settings()
environment = FoundryEnvironment(settings.instance, FoundryEnvironmentArgs(settings))
for output_name, value in environment.outputs.items():
    pulumi.export(output_name, value)
