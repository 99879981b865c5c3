"""Who may do what: the rights each resource needs, the rights each identity holds, and the check between them."""
