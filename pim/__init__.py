"""The PIM phase: the eligibilities of the role model, made by an administrator after the main stack exists."""
