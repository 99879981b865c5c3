"""The PIM phase: the eligibilities of the role model, made by an administrator after the main stack exists."""

from __future__ import annotations

MAIN_PROJECT = "foundry-platform"


def main_stack_reference(stack: str) -> str:
    """How a project in the same DIY backend names the main program's stack: `organization/<project>/<stack>`."""
    return f"organization/{MAIN_PROJECT}/{stack}"
