"""The standard agent setup: the environment owns its agent data.

- `stores.py`: the Storage account (files), AI Search service (vector stores) and Cosmos DB account (threads), Entra
  only, private in private mode, with their private endpoints.
- `capability_hosts.py`: each project's three connections to them and its capability host (and the account's,
  where the service does not make it), in the account's one write chain.
- `grants.py`: the Cosmos DB data role on the agent database, which is not an Azure role assignment.

The Azure role assignments around them are rows of the role model (`components/access.py`), made before or after
the capability hosts as Microsoft's templates order them.
"""
