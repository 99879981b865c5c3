"""The application's compute: a Linux web app that runs as the user-assigned identity, created after its roles.

Role assignments take minutes to propagate. Rather than sleeping, the web app declares a dependency on
every role assignment granted to its identity, so it comes online only after they exist.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
from pulumi_azure_native import web

from components import naming
from components.settings import Placement
from components.settings.compute import ComputeConfig


@dataclass(frozen=True)
class AppComputeArgs:
    placement: Placement
    compute: ComputeConfig
    resource_group_name: pulumi.Input[str]
    identity_id: pulumi.Input[str]
    identity_client_id: pulumi.Input[str]
    project_endpoint: str
    identity_role_assignments: Sequence[pulumi.Resource]
    # Private mode: the delegated subnet the app integrates with, so it reaches the private endpoints.
    integration_subnet_id: pulumi.Input[str] | None = None


class AppCompute(pulumi.ComponentResource):
    plan: web.AppServicePlan
    app: web.WebApp

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
            tags=place.tags,
            opts=child,
        )
        app_name = naming.web_app_name(place.name_prefix, place.instance, place.location)
        self.app = web.WebApp(
            f"{name}-app",
            name=app_name,
            resource_group_name=args.resource_group_name,
            location=place.location,
            kind="app,linux",
            server_farm_id=self.plan.id,
            https_only=True,
            # Only the user-assigned identity: no system-assigned identity that would die with the app.
            identity={
                "type": web.ManagedServiceIdentityType.USER_ASSIGNED,
                "user_assigned_identities": [args.identity_id],
            },
            key_vault_reference_identity=args.identity_id,
            virtual_network_subnet_id=args.integration_subnet_id,
            site_config={
                "linux_fx_version": compute.runtime,
                "ftps_state": web.FtpsState.DISABLED,
                "min_tls_version": web.SupportedTlsVersions.SUPPORTED_TLS_VERSIONS_1_2,
                "scm_min_tls_version": web.SupportedTlsVersions.SUPPORTED_TLS_VERSIONS_1_2,
                "http20_enabled": True,
                "remote_debugging_enabled": False,
                # In private mode all outbound traffic goes through the VNet, so private DNS answers apply.
                "vnet_route_all_enabled": args.integration_subnet_id is not None,
                "app_settings": [
                    # DefaultAzureCredential picks the user-assigned identity by this client id.
                    {"name": "AZURE_CLIENT_ID", "value": args.identity_client_id},
                    {"name": "FOUNDRY_PROJECT_ENDPOINT", "value": args.project_endpoint},
                ],
            },
            tags=place.tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(args.identity_role_assignments)),
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
        self.register_outputs({"webAppName": self.app.name})
