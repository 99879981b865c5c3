"""Render the Pulumi program offline, under Pulumi's mocks, and record everything it declares.

No Pulumi CLI, no provider plugins and no Azure credentials are involved: the program runs in-process,
each resource registration goes to a recording mock monitor, and the result lists every resource with its
type, inputs, parent, dependencies and options. The tests and the offline plan command both use this.
"""

from __future__ import annotations

import copy
import gc
import json
import logging
import runpy
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pulumi
from google.protobuf import json_format
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc
from pulumi.runtime.settings import ROOT, SETTINGS
from pulumi.runtime.stack import run_in_stack
from pulumi.runtime.sync_await import _sync_await

from components import clock
from offline import stackfile
from offline.arm import arm_type_of
from offline.azure_rules import AzureRefusalError, check_rendering
from offline.registrations import Caller, Registration, Rendering
from pim import main_stack_reference

PROJECT_DIR = Path(__file__).resolve().parent.parent
PROJECT_NAME = "foundry-platform"
# The projects an administrator runs around the main program: before it (bootstrap) and after it (PIM).
BOOTSTRAP_DIR = PROJECT_DIR / "bootstrap"
BOOTSTRAP_PROJECT = "foundry-platform-bootstrap"
PIM_DIR = PROJECT_DIR / "pim"
PIM_PROJECT = "foundry-platform-pim"

# Values the mock Azure returns for the client configuration; visibly fake, never real ids.
FAKE_SUBSCRIPTION_ID = "00000000-0000-4000-8000-000000000001"
# The subscription renders run in: the fake one, unless a caller names the real one (the drift audit, whose role
# assignment names are GUIDs of the subscription too and must come out as Azure has them).
_subscriptions: list[str] = []


def subscription_id() -> str:
    return _subscriptions[-1] if _subscriptions else FAKE_SUBSCRIPTION_ID


@contextmanager
def in_subscription(subscription: str) -> Iterator[None]:
    """Render as if deployed in `subscription`, for the duration."""
    _subscriptions.append(subscription)
    try:
        yield
    finally:
        _subscriptions.pop()


FAKE_TENANT_ID = "00000000-0000-4000-8000-000000000002"
FAKE_CLIENT_OBJECT_ID = "00000000-0000-4000-8000-000000000003"
FAKE_ADMIN_OBJECT_ID = "00000000-0000-4000-8000-000000000004"
STACK_REFERENCE = "pulumi:pulumi:StackReference"


def default_caller(project_name: str, config: Mapping[str, str]) -> Caller:
    """The pipeline's deployer runs the main program (its object id as the stack file names it); an administrator
    acting through directory roles runs the admin projects (bootstrap, PIM)."""
    if project_name == PROJECT_NAME:
        configured = config.get(f"{PROJECT_NAME}:deployerObjectId")
        return Caller(configured or FAKE_CLIENT_OBJECT_ID, True, "the pipeline deployer")
    return Caller(FAKE_ADMIN_OBJECT_ID, False, "an administrator (directory roles)")


def fake_guid(*parts: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "mock/" + "/".join(parts)))


def _unwrap_secrets(value: Any, path: str, secrets: set[str]) -> Any:
    if rpc.is_rpc_secret(value):
        secrets.add(path)
        return _unwrap_secrets(rpc.unwrap_rpc_secret(value), path, secrets)
    if isinstance(value, dict):
        return {k: _unwrap_secrets(v, f"{path}.{k}" if path else k, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [_unwrap_secrets(v, f"{path}[{i}]", secrets) for i, v in enumerate(value)]
    return value


class AzureMocks(pulumi.runtime.Mocks):
    """Answers like Azure would, with fake but realistic ARM ids, client ids and principal ids."""

    def __init__(
        self,
        caller_object_id: str = FAKE_CLIENT_OBJECT_ID,
        stack_outputs: Mapping[str, Mapping[str, Any]] | None = None,
        recreated: frozenset[tuple[str, str]] = frozenset(),
    ) -> None:
        super().__init__()
        self.caller_object_id = caller_object_id
        self.stack_outputs = dict(stack_outputs or {})
        self.recreated = recreated  # (type, logical name) of resources that get new generated ids

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        inputs = dict(args.inputs)
        if args.typ == STACK_REFERENCE:
            referenced = str(inputs.get("name"))
            if referenced not in self.stack_outputs:
                raise KeyError(f"the offline render was given no outputs for the stack reference {referenced!r}")
            return referenced, {"name": referenced, "outputs": dict(self.stack_outputs[referenced])}
        if not args.custom:  # a component: nothing in Azure
            return f"{args.name}-component", inputs
        # A resource the rehearsal says is re-created gets new generated ids (object ids, principal ids), as in Azure.
        generation = "recreated/" if (args.typ, args.name) in self.recreated else ""
        if args.typ.startswith("azuread:"):
            state = {**inputs, **self._entra_state(args.typ, generation + args.name)}
            return state["id"], state
        arm = arm_type_of(args.typ)
        resource_id = arm.resource_id(subscription_id(), inputs, auto_name=fake_guid("auto-name", args.name))
        state: dict[str, Any] = {**inputs, "name": resource_id.rsplit("/", 1)[-1], "id": resource_id}
        if args.typ == "azure-native:managedidentity:UserAssignedIdentity":
            state["clientId"] = fake_guid("client", generation + resource_id)
            state["principalId"] = fake_guid("principal", generation + resource_id)
            state["tenantId"] = FAKE_TENANT_ID
        if args.typ == "azure-native:keyvault:Key":
            # Key Vault names a key's version with 32 hex digits; a re-created key has a new one.
            key_uri = f"https://{inputs.get('vaultName')}.vault.azure.net/keys/{inputs.get('keyName')}"
            state["keyUri"] = key_uri
            state["keyUriWithVersion"] = (
                f"{key_uri}/{fake_guid('key-version', generation + resource_id).replace('-', '')}"
            )
        if args.typ == "azure-native:applicationinsights:Component":
            # Shaped like Azure's; the key is fake and tests search for it to prove it never leaks.
            state["instrumentationKey"] = fake_guid("instrumentation-key", resource_id)
            state["connectionString"] = (
                f"InstrumentationKey={state['instrumentationKey']};"
                f"IngestionEndpoint=https://{inputs.get('location')}-0.in.applicationinsights.azure.com/"
            )
        identity = inputs.get("identity")
        if isinstance(identity, dict):
            identity_state = dict(identity)
            if "SystemAssigned" in str(identity.get("type", "")):
                identity_state.update(
                    principalId=fake_guid("principal", generation + resource_id), tenantId=FAKE_TENANT_ID
                )
            if isinstance(identity.get("userAssignedIdentities"), list):
                # Azure answers with a map of identity id -> details where the input was a list of ids.
                identity_state["userAssignedIdentities"] = {
                    uai: {"principalId": fake_guid("principal", uai), "clientId": fake_guid("client", uai)}
                    for uai in identity["userAssignedIdentities"]
                }
            state["identity"] = identity_state
        return resource_id, state

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:
        if args.token == "azure-native:authorization:getClientConfig":
            return {
                "subscriptionId": subscription_id(),
                "tenantId": FAKE_TENANT_ID,
                "objectId": self.caller_object_id,
                "clientId": fake_guid("deployer-client"),
            }
        if args.token == "azuread:index/getServicePrincipal:getServicePrincipal":
            client_id = str(args.args.get("clientId"))
            return {
                "id": fake_guid("object", client_id),
                "objectId": fake_guid("object", client_id),
                "clientId": client_id,
            }
        raise NotImplementedError(f"the offline renderer has no mock for the call {args.token}")

    @staticmethod
    def _entra_state(type_token: str, logical_name: str) -> dict[str, Any]:
        """Microsoft Graph objects: an object id for everything, a client id and `/applications/<id>` for apps."""
        object_id = fake_guid("object", logical_name)
        if type_token == "azuread:index/application:Application":
            return {
                "id": f"/applications/{object_id}",
                "objectId": object_id,
                "clientId": fake_guid("client", logical_name),
            }
        if type_token == "azuread:index/servicePrincipal:ServicePrincipal":
            return {"id": f"/servicePrincipals/{object_id}", "objectId": object_id}
        if type_token == "azuread:index/applicationPassword:ApplicationPassword":
            # Shaped like an Entra client secret (three characters, "8Q~", the rest); tests look for it to prove
            # it never leaves the vault's secret.
            key_id = fake_guid("key", logical_name)
            return {"id": key_id, "keyId": key_id, "value": f"{key_id[:3]}8Q~{key_id.replace('-', '')}x"}
        return {"id": object_id, "objectId": object_id}


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """Keeps, for each registration, what the plain mock monitor drops: parent, dependencies, protect."""

    def __init__(self, mocks: pulumi.runtime.Mocks, project_name: str = PROJECT_NAME) -> None:
        super().__init__(mocks)
        self.project_name = project_name
        self.registrations: list[Registration] = []
        self.stack_outputs: dict[str, Any] = {}
        self.secret_outputs: set[str] = set()

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - the gRPC method name
        response = super().RegisterResource(request)
        if request.type == "pulumi:pulumi:Stack":
            return response
        secrets: set[str] = set()
        inputs = _unwrap_secrets(rpc.deserialize_properties(request.object), "", secrets)
        registered = self.resources.get(response.urn)
        self.registrations.append(
            Registration(
                urn=response.urn,
                type=request.type,
                name=request.name,
                custom=bool(request.custom),
                parent=request.parent,
                inputs=inputs,
                secret_inputs=secrets,
                dependencies=list(request.dependencies),
                property_dependencies={k: list(v.urns) for k, v in request.propertyDependencies.items()},
                protect=bool(request.protect) if request.HasField("protect") else False,
                id=registered.id if registered else "",
                state=dict(registered.state) if registered else {},
                additional_secret_outputs=list(request.additionalSecretOutputs),
                delete_before_replace=bool(request.deleteBeforeReplace),
                replace_on_changes=list(request.replaceOnChanges),
                retain_on_delete=bool(request.retainOnDelete) if request.HasField("retainOnDelete") else False,
                ignore_changes=list(request.ignoreChanges),
            )
        )
        return response

    def RegisterResourceOutputs(self, request: Any) -> Any:  # noqa: N802 - the gRPC method name
        if request.urn.endswith(f"pulumi:pulumi:Stack::{self.project_name}-{pulumi.get_stack()}"):
            raw = json_format.MessageToDict(request.outputs)
            secrets: set[str] = set()
            self.stack_outputs = _unwrap_secrets(rpc.deserialize_properties(request.outputs), "", secrets)
            self.secret_outputs = {path for path in secrets} | {
                k for k, v in raw.items() if isinstance(v, dict) and rpc._special_sig_key in v
            }
        return super().RegisterResourceOutputs(request)


class WarningLog(logging.Logger):
    """Receives what the program logs through `pulumi.log` under mocks; keeps the warnings."""

    def __init__(self) -> None:
        super().__init__("offline-render", logging.WARNING)
        self.warnings: list[str] = []

    def warning(self, msg: object, *args: object, **kwargs: Any) -> None:  # type: ignore[override]
        self.warnings.append(str(msg))


class RenderError(Exception):
    """The program raised while rendering; `registrations` shows what it had declared before it did."""

    def __init__(self, cause: BaseException, registrations: list[Registration]) -> None:
        super().__init__(str(cause))
        self.cause = cause
        self.registrations = registrations


# Where stack files are read: next to each project's Pulumi.yaml, unless `stack_files()` points elsewhere (the tests'
# fixed example configurations), in the same layout: Pulumi.<stack>.yaml, bootstrap/..., pim/...
_stack_files = [PROJECT_DIR]


@contextmanager
def stack_files(directory: Path) -> Iterator[None]:
    """Read the stack files of `directory` instead of the project's, for the duration."""
    _stack_files.append(directory)
    try:
        yield
    finally:
        _stack_files.pop()


def stack_file(stack: str, project_dir: Path = PROJECT_DIR) -> Path:
    return _stack_files[-1] / project_dir.relative_to(PROJECT_DIR) / f"Pulumi.{stack}.yaml"


def stack_names(project_dir: Path = PROJECT_DIR) -> list[str]:
    """The stacks that have a stack file in the project (or the directory `stack_files` points to)."""
    folder = stack_file("x", project_dir).parent
    return sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in folder.glob("Pulumi.*.yaml"))


def stack_config(stack: str, project_dir: Path = PROJECT_DIR) -> dict[str, str]:
    """A stack file's config as the Pulumi engine passes it: namespaced keys, JSON for structured values."""
    return stackfile.engine_values(stack_file(stack, project_dir))


def _secure(value: str) -> bool:
    """Whether a config value is one Pulumi encrypted (`{secure: ...}` in the stack file)."""
    try:
        decoded = json.loads(value) if value.startswith("{") else None
    except json.JSONDecodeError:
        return False
    return isinstance(decoded, dict) and set(decoded) == {"secure"}


def render(
    stack: str,
    config: Mapping[str, str] | None = None,
    overrides: Mapping[str, object] | None = None,
    program: Callable[[], object] | None = None,
    project_dir: Path = PROJECT_DIR,
    project_name: str = PROJECT_NAME,
    today: date | None = None,
    caller: Caller | None = None,
    stack_outputs: Mapping[str, Mapping[str, Any]] | None = None,
    strict: bool = True,
    recreated: frozenset[tuple[str, str]] = frozenset(),
    secret_keys: Iterable[str] = (),
) -> Rendering:
    """Run the program for `stack` under mocks.

    `config` replaces the stack file's config (namespaced keys); `overrides` sets or, with None, removes
    individual keys of this project (un-namespaced; non-strings are JSON-encoded as Pulumi would).
    `program` replaces `__main__.py`, e.g. to render one component. `project_dir` and `project_name` select
    another Pulumi project of this repository (the bootstrap); by default the Foundry program is rendered.
    `today` renders as of another day (model retirement); by default the clock's (`components.clock`).
    `caller` is who runs it; by default `default_caller` (the deployer for the main program).
    `stack_outputs` answers stack references: fully qualified stack name -> that stack's outputs.
    `strict` (the default) checks the result against what Azure and Entra refuse (`offline.azure_rules`) and
    fails the render with `AzureRefusalError` naming each broken rule; off only to study a refused program.
    `recreated` lists (type, name) of resources Azure re-creates (the replacement rehearsal): they get new ids.
    `secret_keys` marks config keys (namespaced) as Pulumi secrets, as `pulumi config set --secret` would.
    """
    values = dict(stack_config(stack, project_dir) if config is None else config)
    for key, value in (overrides or {}).items():
        full_key = f"{project_name}:{key}"
        if value is None:
            values.pop(full_key, None)
        else:
            values[full_key] = value if isinstance(value, str) else json.dumps(value)

    caller = caller or default_caller(project_name, values)
    key = (
        _memory_key(
            stack, values, project_dir, project_name, today, caller, stack_outputs, strict, recreated, secret_keys
        )
        if _memory is not None and program is None
        else None
    )
    if _memory is not None and key is not None and key in _memory:
        return copy.deepcopy(_memory[key])
    rendering = _render(
        stack, values, program, project_dir, project_name, today, caller, stack_outputs, strict, recreated, secret_keys
    )
    if _memory is not None and key is not None:
        _memory[key] = copy.deepcopy(rendering)
    return rendering


# Renders already made, by everything that decides their result: the tests turn it on (`remembering`), so that a
# configuration rendered by one test (or by the invariant tests from identical stack files) is not rendered again.
_memory: dict[str, Rendering] | None = None


@contextmanager
def remembering(on: bool = True) -> Iterator[None]:
    """Answer a render already made from memory (a copy), or (`on=False`) render afresh, for the duration."""
    global _memory
    previous = _memory
    _memory = ({} if previous is None else previous) if on else None
    try:
        yield
    finally:
        _memory = previous


def _memory_key(stack: str, values: Mapping[str, str], *decided_by: Any) -> str:
    return json.dumps(
        [stack, dict(values), [str(d) for d in decided_by], str(clock.today()), subscription_id()], sort_keys=True
    )


def _render(
    stack: str,
    values: dict[str, str],
    program: Callable[[], object] | None,
    project_dir: Path,
    project_name: str,
    today: date | None,
    caller: Caller,
    stack_outputs: Mapping[str, Mapping[str, Any]] | None,
    strict: bool,
    recreated: frozenset[tuple[str, str]],
    secret_keys: Iterable[str],
) -> Rendering:
    mocks = AzureMocks(caller.object_id, stack_outputs, recreated)
    monitor = RecordingMonitor(mocks, project_name)
    log = WarningLog()
    pulumi.runtime.set_mocks(mocks, project=project_name, stack=stack, preview=True, monitor=monitor, logger=log)
    # An encrypted value ({secure: ...}) stays encrypted here (no key to decrypt it offline); the engine marks it
    # secret either way, which is what the program checks.
    pulumi.runtime.set_all_config(
        values, sorted({*secret_keys, *(key for key, value in values.items() if _secure(value))})
    )
    # set_mocks registers and closes a root stack of its own; run_in_stack below needs to open a fresh one
    # so that `pulumi.export` values reach the recorded stack outputs.
    ROOT.set(None)
    # The same reset `pulumi.runtime.test` does; SETTINGS is typed loosely in the SDK.
    SETTINGS.rpc_manager.clear()  # pyright: ignore[reportAttributeAccessIssue]
    SETTINGS.outputs.clear()  # pyright: ignore[reportAttributeAccessIssue]

    def run_program() -> None:
        if program is not None:
            program()
        else:
            runpy.run_path(str(project_dir / "__main__.py"), run_name="__main__")

    # The SDK creates many short-lived futures per resource; with the cyclic collector on, its full collections
    # walk an ever larger heap and render time grows faster than the resource count. Paused for the run only.
    collecting = gc.isenabled()
    gc.disable()
    try:
        with clock.pinned(today or clock.today()):
            _sync_await(run_in_stack(run_program))
    except Exception as error:
        raise RenderError(error, monitor.registrations) from error
    finally:
        if collecting:
            gc.enable()
    rendering = Rendering(
        stack, monitor.registrations, monitor.stack_outputs, monitor.secret_outputs, log.warnings, caller
    )
    if strict:
        refusals = check_rendering(rendering)
        if refusals:
            raise RenderError(AzureRefusalError(refusals), monitor.registrations)
    return rendering


def render_pim_phase(main: Rendering, today: date | None = None) -> Rendering | None:
    """The PIM phase of `main`'s stack, fed with `main`'s outputs; None when the stack has no PIM stack file."""
    if not stack_file(main.stack, PIM_DIR).exists():
        return None
    config = stack_config(main.stack, PIM_DIR)
    reference = config.get(f"{PIM_PROJECT}:mainStack", main_stack_reference(main.stack))
    return render(
        main.stack,
        project_dir=PIM_DIR,
        project_name=PIM_PROJECT,
        today=today,
        stack_outputs={reference: main.exports},
    )


def with_phases(main: Rendering, *phases: Rendering | None) -> Rendering:
    """One environment as a reviewer sees it: the main stack's resources followed by its admin phases'."""
    present = [phase for phase in phases if phase is not None]
    return Rendering(
        main.stack,
        [*main.resources, *(r for phase in present for r in phase.resources)],
        main.exports,
        main.secret_exports,
        [*main.warnings, *(w for phase in present for w in phase.warnings)],
        main.caller,
    )
