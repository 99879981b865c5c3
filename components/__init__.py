"""Pulumi components that make up one Foundry environment; `environment.FoundryEnvironment` ties them together."""
