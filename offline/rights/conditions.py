"""Evaluating an Azure ABAC role-assignment condition (version 2.0) for one request, offline.

Covers the part of the condition language that delegation conditions use (Learn, "Azure role assignment
condition format and syntax" and "Delegate Azure role assignment management using conditions"): parentheses,
`!`, `AND`, `OR` (AND binds tighter), `ActionMatches{'<action>'}`, and
`@Request[...]` / `@Resource[...]` attributes compared with `ForAnyOfAnyValues:GuidEquals` or
`ForAnyOfAnyValues:StringEqualsIgnoreCase` against a `{...}` set, and, as data-access conditions use them (the
standard agent setup's Storage Blob Data Owner), with `StringLikeIgnoreCase`, `StringStartsWithIgnoreCase` or
`StringEqualsIgnoreCase` against one `'...'` value. Anything else is refused, so a condition this evaluator cannot
read is never taken as allowing a request.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from components.catalogue.roles import KNOWN_ROLES
from offline.rights.roles import matches

_TOKEN = re.compile(
    r"\s*(?:(?P<open>\()|(?P<close>\))|(?P<not>!)|(?P<and>AND\b)|(?P<or>OR\b)"
    r"|ActionMatches\{'(?P<action>[^']+)'\}"
    r"|@(?P<source>Request|Resource)\[(?P<attribute>[^\]]+)\]\s+ForAnyOfAnyValues:(?P<operator>GuidEquals|StringEqualsIgnoreCase)"
    r"\s*\{(?P<values>[^}]*)\}"
    r"|@(?P<single_source>Request|Resource)\[(?P<single_attribute>[^\]]+)\]\s+"
    r"(?P<single_operator>StringLikeIgnoreCase|StringStartsWithIgnoreCase|StringEqualsIgnoreCase)\s+'(?P<value>[^']*)')"
)


class ConditionSyntaxError(ValueError):
    """A condition outside the supported subset."""


@dataclass(frozen=True)
class Request:
    """What a condition sees of one request: the action and the attributes of request and existing resource."""

    action: str
    request: Mapping[str, str] = field(default_factory=dict)  # e.g. {"RoleDefinitionId": guid, "PrincipalType": ...}
    resource: Mapping[str, str] = field(default_factory=dict)  # e.g. {"RoleDefinitionId": guid} (on delete)


def _tokens(condition: str) -> list[re.Match[str]]:
    tokens: list[re.Match[str]] = []
    position = 0
    text = condition.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise ConditionSyntaxError(f"cannot read the condition at: {text[position : position + 40]!r}")
        tokens.append(match)
        position = match.end()
        while position < len(text) and text[position].isspace():
            position += 1
    return tokens


class _Parser:
    def __init__(self, condition: str, request: Request) -> None:
        self.tokens = _tokens(condition)
        self.position = 0
        self.request = request

    def _peek(self, kind: str) -> bool:
        return self.position < len(self.tokens) and self.tokens[self.position].group(kind) is not None

    def _take(self, kind: str) -> re.Match[str]:
        if not self._peek(kind):
            raise ConditionSyntaxError(f"expected {kind} at token {self.position}")
        token = self.tokens[self.position]
        self.position += 1
        return token

    def parse(self) -> bool:
        value = self._or()
        if self.position != len(self.tokens):
            raise ConditionSyntaxError(f"unexpected token {self.position}")
        return value

    def _or(self) -> bool:
        value = self._and()
        while self._peek("or"):
            self._take("or")
            right = self._and()
            value = value or right
        return value

    def _and(self) -> bool:
        value = self._unary()
        while self._peek("and"):
            self._take("and")
            right = self._unary()
            value = value and right
        return value

    def _unary(self) -> bool:
        if self._peek("not"):
            self._take("not")
            return not self._unary()
        if self._peek("open"):
            self._take("open")
            value = self._or()
            self._take("close")
            return value
        if self._peek("action"):
            return matches(self._take("action").group("action"), self.request.action)
        if self._peek("source"):
            return self._comparison(self._take("source"))
        if self._peek("single_source"):
            return self._single_comparison(self._take("single_source"))
        raise ConditionSyntaxError(f"unexpected token {self.position}")

    def _comparison(self, token: re.Match[str]) -> bool:
        attributes = self.request.request if token.group("source") == "Request" else self.request.resource
        name = token.group("attribute").rsplit(":", 1)[-1]
        value = attributes.get(name)
        if value is None:
            return False
        wanted = {v.strip().strip("'").lower() for v in token.group("values").split(",") if v.strip()}
        return value.lower() in wanted

    def _single_comparison(self, token: re.Match[str]) -> bool:
        attributes = self.request.request if token.group("single_source") == "Request" else self.request.resource
        value = attributes.get(token.group("single_attribute").rsplit(":", 1)[-1])
        if value is None:
            return False
        wanted, operator = token.group("value").lower(), token.group("single_operator")
        if operator == "StringLikeIgnoreCase":  # `*` any run of characters, `?` one
            return fnmatch.fnmatchcase(value.lower(), wanted)
        if operator == "StringStartsWithIgnoreCase":
            return value.lower().startswith(wanted)
        return value.lower() == wanted


def allows(condition: str | None, request: Request) -> bool:
    """True when `condition` (None: no condition) lets `request` through."""
    return True if not condition else _Parser(condition, request).parse()


# What a reviewer reads of a role-assignment delegation condition: which roles it lets the holder assign and remove,
# and to which kinds of principal. Computed by asking the evaluator above about every role the catalogue knows,
# so the words are what the condition does, not what it was meant to do.
ASSIGN = "Microsoft.Authorization/roleAssignments/write"
REMOVE = "Microsoft.Authorization/roleAssignments/delete"
PRINCIPAL_TYPES = ("ServicePrincipal", "Group", "User", "ForeignGroup", "Device")


def in_words(condition: str | None) -> str:
    """A condition in words: a delegation condition as "may assign only: Foundry User, Reader; to: ServicePrincipal,
    Group; may remove only: Foundry User, Reader", a data-access condition by what it limits to which containers
    (`_data_access_in_words`); "" for no condition."""
    if not condition:
        return ""
    if ASSIGN not in condition and REMOVE not in condition:
        return _data_access_in_words(condition)

    def assignable(role_guid: str) -> bool:
        return any(
            allows(condition, Request(ASSIGN, {"RoleDefinitionId": role_guid, "PrincipalType": kind}))
            for kind in PRINCIPAL_TYPES
        )

    assigns = [role.name for role in KNOWN_ROLES if assignable(role.guid)]
    kinds = [
        kind
        for kind in PRINCIPAL_TYPES
        if any(
            allows(condition, Request(ASSIGN, {"RoleDefinitionId": role.guid, "PrincipalType": kind}))
            for role in KNOWN_ROLES
        )
    ]
    removes = [
        role.name
        for role in KNOWN_ROLES
        if allows(condition, Request(REMOVE, resource={"RoleDefinitionId": role.guid}))
    ]
    return (
        f"may assign only: {', '.join(assigns) or 'none'}; to: {', '.join(kinds) or 'nobody'}; "
        f"may remove only: {', '.join(removes) or 'none'}"
    )


CONTAINER_NAME = "name"  # the attribute `@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name]`


def _data_access_in_words(condition: str) -> str:
    """Which of the actions a data-access condition names it limits, and to which container names: each action is
    asked for a container whose name matches the condition's patterns and for one that matches none."""
    named = [token.group("action") for token in _tokens(condition) if token.group("action")]
    patterns = [token.group("value") for token in _tokens(condition) if token.group("value")]
    matching = patterns[-1].replace("*", "x") if patterns else "x"
    limited = [
        action
        for action in named
        if allows(condition, Request(action, resource={CONTAINER_NAME: matching}))
        and not allows(condition, Request(action, resource={CONTAINER_NAME: "any-other-container"}))
    ]
    where = " and ".join(f"'{p}'" for p in patterns) or "(none)"
    short = ", ".join(action.removeprefix("Microsoft.Storage/storageAccounts/blobServices/") for action in limited)
    return (
        f"limits only {short or 'nothing'} to containers named like {where}; every other action of the role applies "
        "at the whole scope"
    )
