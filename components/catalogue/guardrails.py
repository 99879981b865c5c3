"""Fixed values of Foundry guardrails (ARM `accounts/raiPolicies`): filter names, sources, severity levels."""

from __future__ import annotations

# Every custom policy starts from Microsoft's current default policy and overrides the filters below.
BASE_POLICY_NAME = "Microsoft.DefaultV2"

# Where a filter runs: on the user's prompt, or on the model's completion.
PROMPT = "Prompt"
COMPLETION = "Completion"
SOURCES: tuple[str, ...] = (PROMPT, COMPLETION)

# Severity threshold of a harm filter: content at this severity or above is filtered. "Low" is the
# strictest setting, "High" the most permissive (only high-severity content is blocked).
SEVERITY_LEVELS: tuple[str, ...] = ("Low", "Medium", "High")
DEFAULT_SEVERITY = "Medium"  # what Microsoft.DefaultV2 applies to every category

# The four harm categories: config key -> ARM content-filter name.
HARM_CATEGORIES: dict[str, str] = {
    "hate": "Hate",
    "sexual": "Sexual",
    "violence": "Violence",
    "selfharm": "Selfharm",
}

# Filters without a severity: prompt-shield against jailbreak attempts (runs on prompts) and protected
# material detection (runs on completions, for text and for code).
JAILBREAK = "Jailbreak"
PROTECTED_MATERIAL_TEXT = "Protected Material Text"
PROTECTED_MATERIAL_CODE = "Protected Material Code"
