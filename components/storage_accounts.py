"""Storage accounts that take Entra tokens only: the agent files' (standard agent setup) and the bootstrap's state.

One definition of what makes a storage account Entra-only, so the two never drift: no shared key (and so no SAS
signed with one), OAuth by default in the portal, no anonymous blob access, no replication to other tenants,
HTTPS with TLS 1.2 at least. What differs (name, redundancy, network) is the caller's.
"""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
from pulumi_azure_native import storage


def entra_only_storage_account(
    resource_name: str,
    *,
    account_name: str,
    resource_group_name: pulumi.Input[str],
    location: str,
    sku: str,
    public_network_access: storage.PublicNetworkAccess,
    network_rule_set: storage.NetworkRuleSetArgsDict | None,
    tags: Mapping[str, str],
    opts: pulumi.ResourceOptions,
) -> storage.StorageAccount:
    return storage.StorageAccount(
        resource_name,
        account_name=account_name,
        resource_group_name=resource_group_name,
        location=location,
        kind=storage.Kind.STORAGE_V2,
        sku={"name": sku},
        allow_shared_key_access=False,
        default_to_o_auth_authentication=True,
        allow_blob_public_access=False,
        allow_cross_tenant_replication=False,
        enable_https_traffic_only=True,
        minimum_tls_version=storage.MinimumTlsVersion.TLS1_2,
        public_network_access=public_network_access,
        network_rule_set=network_rule_set,
        tags=dict(tags),
        opts=opts,
    )
