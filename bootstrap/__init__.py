"""The delivery bootstrap: a separate Pulumi project a platform admin runs once per environment."""
