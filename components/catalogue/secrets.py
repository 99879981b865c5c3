"""What a secret looks like when it turns up where it must not: in a plain (unencrypted) config value.

Formats from the services that issue them: Azure Storage connection strings and account keys (64 bytes, base64),
shared access signatures (`sig=`), PEM private keys, GitHub tokens (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`,
`github_pat_`), Entra client secrets (`8Q~` after the first three characters), JSON Web Tokens (base64url `eyJ`).
"""

from __future__ import annotations

import re

# Secrets that turn up in plain config: what gives each away. Checked on every string value of every stack file.
SECRET_SHAPES: dict[str, re.Pattern[str]] = {
    "a connection string with a key": re.compile(r"(AccountKey|SharedAccessKey|Password|Pwd)\s*=", re.IGNORECASE),
    "a shared access signature": re.compile(r"[?&]sig=[A-Za-z0-9%+/=]{16,}|SharedAccessSignature=", re.IGNORECASE),
    "a private key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    "a GitHub token": re.compile(r"\b(gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})\b"),
    "an Entra client secret": re.compile(r"^[A-Za-z0-9_.~-]{3}8Q~[A-Za-z0-9_.~-]{31,}$"),
    "a JSON Web Token": re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]+"),
    "a storage or API key": re.compile(r"^[A-Za-z0-9+/]{86}==$|^[0-9a-f]{32}$"),
}


def secret_shape(value: object) -> str | None:
    """What kind of secret `value` looks like, or None."""
    if not isinstance(value, str):
        return None
    return next((kind for kind, pattern in SECRET_SHAPES.items() if pattern.search(value)), None)
