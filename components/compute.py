"""The application's compute: a Linux web app that runs as the user-assigned identity, created after its roles.

Role assignments take minutes to propagate. Rather than sleeping, the web app declares a dependency on
every role assignment granted to its identity, so it comes online only after they exist.

With `compute.identity: system-assigned` (design source 1.1) the order inverts: the app's own identity exists
only once the app does, so its grants come after it, and the app may start before they have propagated (its
first calls to Foundry or the vault get 403 until then; the app must retry). Deleting or replacing the app
deletes that identity and leaves its grants pointing at nobody; the new app gets a new principal and new grants.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
from pulumi_azure_native import web

from components import naming
from components.catalogue import dns_zones
from components.network import EndpointPlacement, private_endpoint
from components.rbac import Principal
from components.settings import Placement
from components.settings.compute import ComputeConfig


@dataclass(frozen=True)
class UserAssignedRuntime:
    identity_id: pulumi.Input[str]
    client_id: pulumi.Input[str]
    role_assignments: Sequence[pulumi.Resource]


@dataclass(frozen=True)
class AppComputeArgs:
    placement: Placement
    compute: ComputeConfig
    resource_group_name: pulumi.Input[str]
    # The user-assigned identity the app runs as, and its grants (the app waits for them); None: the app runs as its
    # own system-assigned identity, whose grants can only follow the app.
    user_assigned: UserAssignedRuntime | None
    project_endpoint: str
    # Further app settings (none of them a secret), e.g. the On-Behalf-Of API's client id.
    extra_settings: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    # Private mode: the delegated subnet the app integrates with, so it reaches the private endpoints.
    integration_subnet_id: pulumi.Input[str] | None = None
    # With inbound private-endpoint: where the app's own endpoint goes (its public access is then off).
    endpoints: EndpointPlacement | None = None


class AppCompute(pulumi.ComponentResource):
    plan: web.AppServicePlan
    app: web.WebApp
    # The app's own system-assigned identity, to grant roles to (None when it runs as the user-assigned one).
    principal: Principal | None

    def __init__(self, name: str, args: AppComputeArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("foundry-platform:index:AppCompute", name, None, opts)
        place = args.placement
        compute = args.compute
        child = pulumi.ResourceOptions(parent=self)
        self.plan = web.AppServicePlan(
            f"{name}-plan",
            name=naming.app_service_plan_name(place.name_prefix, place.instance),
            resource_group_name=args.resource_group_name,
            location=place.location,
            kind="linux",
            reserved=True,  # Linux
            sku={"name": compute.sku_name, "capacity": compute.instances},
            zone_redundant=compute.zone_redundant,
            tags=place.tags,
            opts=child,
        )
        app_name = naming.web_app_name(place.name_prefix, place.instance, place.location)
        runtime = args.user_assigned
        settings: list[web.NameValuePairArgsDict] = [
            {"name": "FOUNDRY_PROJECT_ENDPOINT", "value": args.project_endpoint},
            *({"name": key, "value": value} for key, value in args.extra_settings.items()),
        ]
        if runtime is not None:
            # Only the user-assigned identity: no system-assigned identity that would die with the app.
            identity: web.ManagedServiceIdentityArgsDict = {
                "type": web.ManagedServiceIdentityType.USER_ASSIGNED,
                "user_assigned_identities": [runtime.identity_id],
            }
            # DefaultAzureCredential picks the user-assigned identity by this client id.
            settings.insert(0, {"name": "AZURE_CLIENT_ID", "value": runtime.client_id})
            waits_for = list(runtime.role_assignments)
        else:
            # Only its own identity; DefaultAzureCredential uses it when AZURE_CLIENT_ID is unset.
            identity = {"type": web.ManagedServiceIdentityType.SYSTEM_ASSIGNED}
            waits_for = []
        self.app = web.WebApp(
            f"{name}-app",
            name=app_name,
            resource_group_name=args.resource_group_name,
            location=place.location,
            kind="app,linux",
            server_farm_id=self.plan.id,
            https_only=True,
            identity=identity,
            key_vault_reference_identity=runtime.identity_id if runtime else "SystemAssigned",
            virtual_network_subnet_id=args.integration_subnet_id,
            # Reached only through its private endpoint, or (stated in the stack file) from anywhere.
            public_network_access="Disabled" if args.endpoints is not None else "Enabled",
            site_config={
                "linux_fx_version": compute.runtime,
                "ftps_state": web.FtpsState.DISABLED,
                "min_tls_version": web.SupportedTlsVersions.SUPPORTED_TLS_VERSIONS_1_2,
                "scm_min_tls_version": web.SupportedTlsVersions.SUPPORTED_TLS_VERSIONS_1_2,
                "http20_enabled": True,
                # Instances that keep failing this path are taken out of rotation (and replaced).
                "health_check_path": compute.health_check_path,
                "remote_debugging_enabled": False,
                # In private mode all outbound traffic goes through the VNet, so private DNS answers apply.
                "vnet_route_all_enabled": args.integration_subnet_id is not None,
                "app_settings": settings,
            },
            tags=place.tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=waits_for),
        )
        self.principal = (
            None
            if runtime
            else Principal(
                key=f"system-identity:resourceGroups/{place.resource_group_name}/sites/{app_name}",
                display_name=f"{app_name} (system-assigned)",
                kind="web app managed identity (system-assigned)",
                principal_type="ServicePrincipal",
                object_id=self.app.identity.apply(lambda i: i.principal_id if i else ""),
            )
        )
        # Basic (user name + password) publishing credentials off for FTP and for the SCM (deployment) site.
        self.basic_auth_switches = [
            policy(
                f"{name}-{site}-basic-auth-off",
                name=self.app.name,
                resource_group_name=args.resource_group_name,
                allow=False,
                opts=child,
            )
            for site, policy in (("ftp", web.WebAppFtpAllowed), ("scm", web.WebAppScmAllowed))
        ]
        self.endpoint = (
            private_endpoint(
                self,
                f"{name}-endpoint",
                app_name,
                self.app.id,
                dns_zones.WEB_APP_SITES,
                args.endpoints,
                pulumi.ResourceOptions(parent=self),
            )
            if args.endpoints is not None
            else None
        )
        self.register_outputs({"webAppName": self.app.name})
